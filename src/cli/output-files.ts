// Result files (report, metrics, panels, score maps) written atomically, and
// what a failed write means in words: a full disk, a read-only file system, a
// missing permission, rather than an errno and a stack trace.

import { writeFileAtomic } from '../data/atomic';

const PROBLEMS: Record<string, string> = {
  ENOSPC: 'the disk is full (ENOSPC: no space left on the device)',
  EDQUOT: 'the disk quota is used up (EDQUOT)',
  EROFS: 'the file system is read-only (EROFS)',
  EACCES: 'no permission to write there (EACCES)',
  EPERM: 'no permission to write there (EPERM)',
  ENOTDIR: 'a part of the path is a file, not a folder (ENOTDIR)',
  EISDIR: 'a folder is in the way (EISDIR)',
};

/** The file-system error code of `error` or of one of its causes. */
export function errorCode(error: unknown): string | null {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
  }
  return null;
}

/** What a failed write means in words, when the code is one a person can act on. */
export function fileSystemProblem(error: unknown): string | null {
  return PROBLEMS[errorCode(error) ?? ''] ?? null;
}

/** A result file that could not be written; the file in its place, if any, is unchanged. */
export class OutputWriteError extends Error {
  override name = 'OutputWriteError';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot write ${path}: ${fileSystemProblem(cause) ?? (cause instanceof Error ? cause.message : String(cause))}`, { cause });
  }
}

export function writeOutputFile(path: string, bytes: Uint8Array | string): void {
  try {
    writeFileAtomic(path, bytes);
  } catch (error) {
    throw new OutputWriteError(path, error);
  }
}
