// The output folder of a run, made and checked before any work: a file in the
// way, a missing permission or a read-only file system is one line naming the
// path. It is then locked (a file holding the run's PID), so two runs never
// write into the same folder at once; the lock of a process that is gone
// (killed, crashed) is taken over with a note.

import { accessSync, constants, existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { processAlive, tempPathBeside } from '../data/atomic';
import { errorCode, fileSystemProblem } from './output-files';

export const LOCK_FILE = '.dicnet.lock';

/** An --out that cannot be used; the message is one line. Exit 2. */
export class OutputFolderError extends Error {
  override name = 'OutputFolderError';
}

export interface FolderLock {
  release(): void;
}

/** The nearest of `path` and its parents that exists. */
function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/** Node's recursive mkdir reports ENOENT where the parent is read-only or not writable: ask the parent itself. */
function realCode(where: string, error: unknown): string | null {
  const code = errorCode(error);
  if (code !== 'ENOENT') return code;
  try {
    accessSync(where, constants.W_OK);
    return code;
  } catch (denied) {
    return errorCode(denied) ?? code;
  }
}

/** What is wrong with `out`, from the error that creating it or a file in it gave. */
export function outputFolderProblem(out: string, error: unknown): string {
  const where = nearestExisting(out);
  const isFile = existsSync(where) && !statSync(where).isDirectory();
  if (isFile) return `--out ${out}: ${where === out ? 'this' : where} is a file, not a folder`;
  switch (realCode(where, error)) {
    case 'EACCES':
    case 'EPERM':
      return `--out ${out}: no permission to write in ${where}`;
    case 'EROFS':
      return `--out ${out}: ${where} is on a read-only file system`;
    default:
      return `--out ${out}: ${fileSystemProblem(error) ?? (error instanceof Error ? error.message : String(error))}`;
  }
}

function makeFolder(out: string): void {
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new OutputFolderError(outputFolderProblem(out, error), { cause: error });
  }
  if (!statSync(out).isDirectory()) throw new OutputFolderError(outputFolderProblem(out, null));
}

/** Creates the lock file, PID inside from the first moment (a link is atomic); false when one is there already. */
function createLock(out: string, path: string): boolean {
  const temp = tempPathBeside(path);
  try {
    writeFileSync(temp, `${process.pid}\n`);
    linkSync(temp, path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw new OutputFolderError(outputFolderProblem(out, error), { cause: error });
  } finally {
    rmSync(temp, { force: true });
  }
}

function lockHolder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Makes `out` and locks it for this process until release() or the process's
 * exit. `note` hears about a stale lock taken over.
 */
export function claimOutputFolder(out: string, note: (message: string) => void): FolderLock {
  makeFolder(out);
  const path = join(out, LOCK_FILE);
  if (!createLock(out, path)) {
    const holder = lockHolder(path);
    if (holder !== null && processAlive(holder)) {
      throw new OutputFolderError(`--out ${out} is in use by another run (PID ${holder}); wait for it to end or choose another --out (the lock is ${path})`);
    }
    note(`note: took over the lock of ${out} from ${holder === null ? 'a run' : `PID ${holder}`}, which is no longer running`);
    rmSync(path, { force: true });
    if (!createLock(out, path)) throw new OutputFolderError(`--out ${out} is in use by another run that started just now (the lock is ${path})`);
  }
  const release = (): void => {
    if (lockHolder(path) === process.pid) rmSync(path, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return { release };
}
