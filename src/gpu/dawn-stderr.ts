// Dawn writes two warnings from C++ straight to file descriptor 2 when an
// instance first looks for adapters on lavapipe (and other Vulkan drivers whose
// dynamic-offset limits are unbounded): "maxDynamic...PerPipelineLayout
// artificially reduced ... to fit dynamic offset allocation limit". They are
// harmless (the engine uses no dynamic offsets), asking the device for fewer
// limits does not avoid them (they come from the adapter's discovery), and they
// would be the first thing every command prints. No JavaScript API sees a
// native write to fd 2, so while the adapter is found fd 2 points to a
// temporary file, and afterwards every other line of it goes on to stderr.
// Linux only (/proc/self/fd); elsewhere nothing is filtered.

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const knownWarning = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;

/** The lines of `captured` that are not Dawn's known warning. */
export function withoutKnownWarnings(captured: string): string {
  return captured
    .split(/(?<=\n)/)
    .filter((line) => !knownWarning.test(line.trimEnd()))
    .join('');
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `work` with fd 2 captured, then writes what it wrote there, less Dawn's known warning, to stderr. One at a time. */
export function filterDawnWarnings<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(() => captureStderr(work));
  queue = run.catch(() => undefined);
  return run;
}

async function captureStderr<T>(work: () => Promise<T>): Promise<T> {
  let saved: number;
  try {
    saved = openSync('/proc/self/fd/2', 'a');
  } catch {
    return work();
  }
  // The lowest free descriptor is what open returns: fds 0 and 1 must be taken for fd 2 to be the one reused.
  if (saved <= 2) {
    closeSync(saved);
    return work();
  }
  const folder = mkdtempSync(join(tmpdir(), 'dicnet-stderr-'));
  const file = join(folder, 'stderr');
  closeSync(2);
  openSync(file, 'w');
  try {
    return await work();
  } finally {
    closeSync(2);
    openSync(`/proc/self/fd/${saved}`, 'a');
    closeSync(saved);
    const rest = withoutKnownWarnings(readFileSync(file, 'utf8'));
    rmSync(folder, { recursive: true, force: true });
    if (rest) writeSync(2, rest);
  }
}
