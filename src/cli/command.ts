// What the dicnet commands share around their work: the output folder claimed
// (or one line saying why it cannot be, exit 2), the GPU started and released,
// and a failure the user can act on (the GPU, a checkpoint, the data, a full
// disk) told in one message, exit 1, rather than as a stack trace.

import { CheckpointError } from '../checkpoint/errors';
import { DataError } from '../data/errors';
import type { GpuRuntime } from '../gpu';
import { GpuError } from '../gpu/errors';
import { createNodeRuntime } from '../gpu/node';
import { claimOutputFolder, OutputFolderError, type FolderLock } from './output-folder';
import { OutputWriteError } from './output-files';

/** Claims --out for this run, or says in one line (exit 2) why it cannot be used. */
export function claimOrExplain(out: string): FolderLock | number {
  try {
    return claimOutputFolder(out, (note) => console.error(note));
  } catch (error) {
    if (!(error instanceof OutputFolderError)) throw error;
    console.error(`error: ${error.message}`);
    return 2;
  }
}

/** Runs `work` with --out claimed and a GPU runtime; returns the exit code. */
export async function runWithGpu(out: string, work: (rt: GpuRuntime) => Promise<number>): Promise<number> {
  const lock = claimOrExplain(out);
  if (typeof lock === 'number') return lock;
  let rt: GpuRuntime | null = null;
  try {
    rt = await createNodeRuntime();
    return await work(rt);
  } catch (error) {
    if (!(error instanceof GpuError || error instanceof CheckpointError || error instanceof DataError || error instanceof OutputWriteError)) throw error;
    console.error(`error: ${error.message}`);
    return 1;
  } finally {
    rt?.destroy();
    lock.release();
  }
}
