// PyTorch checkpoint files on disk. Node only: nothing the browser bundle imports may import this.
import { readFile } from 'node:fs/promises';
import { CheckpointError } from './errors';
import { decodePth, type DecodedPth } from './pth';

/** Reads a `.pth` state dict (torch.save, either format) without running anything in it. */
export async function loadPthFile(path: string): Promise<DecodedPth> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CheckpointError(path, `cannot read the file (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  return decodePth(bytes, path);
}
