// Checkpoint files on disk. Node only: nothing the browser bundle imports may import this.
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CheckpointError } from './errors';
import { decodeSafetensors, encodeSafetensors, type DecodedCheckpoint, type TensorToSave } from './safetensors';

let tempFilesMade = 0;

/** Writes a safetensors checkpoint so that `path` always holds either the previous checkpoint or this one, complete. */
export async function saveCheckpoint(path: string, tensors: ReadonlyMap<string, TensorToSave>, metadata?: Readonly<Record<string, string>>): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = encodeSafetensors(tensors, metadata);
  } catch (error) {
    if (error instanceof CheckpointError) throw new CheckpointError(path, error.problems, { cause: error });
    throw error;
  }
  await replaceFileAtomically(path, bytes);
}

/** Reads exactly `path`: never a temp file a crashed save left beside it. */
export async function loadCheckpointFile(path: string): Promise<DecodedCheckpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CheckpointError(path, `cannot read the file (${describe(error)})`, { cause: error });
  }
  return decodeSafetensors(bytes, path);
}

/**
 * Writes `bytes` to a new file beside `path`, flushes it to the disk, renames it over
 * `path` (atomic on POSIX file systems) and flushes the directory so the rename itself
 * survives a power cut. A save interrupted anywhere before the rename leaves `path` as
 * it was. `renameFile` is the step that makes the new file visible; tests replace it to
 * interrupt a save there.
 */
export async function replaceFileAtomically(path: string, bytes: Uint8Array, renameFile: (from: string, to: string) => Promise<void> = rename): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${tempFilesMade++}`;
  let made = false;
  try {
    const file = await open(temp, 'wx');
    made = true;
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await renameFile(temp, path);
  } catch (error) {
    // The save has already failed; that failure, not a failed clean-up, is the one to report.
    if (made) await unlink(temp).catch(() => undefined);
    throw new CheckpointError(path, `cannot save (${describe(error)}); the file there, if any, is unchanged`, { cause: error });
  }
  try {
    await syncDirectory(dirname(path));
  } catch (error) {
    throw new CheckpointError(path, `saved, but flushing its directory failed, so the save may not survive a power cut (${describe(error)})`, { cause: error });
  }
}

async function syncDirectory(directory: string): Promise<void> {
  // Windows cannot open a directory as a file; its rename is durable without this.
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
