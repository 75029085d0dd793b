// Small runs of the main job for the reliability tests: a few synthetic scenes,
// batch 2, one or two short epochs, output captured instead of printed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaults, type RunOptions } from '../../src/cli/options';
import { checkpointPaths, runPipeline, type PipelineControl, type PipelineResult } from '../../src/cli/pipeline';
import type { GpuRuntime } from '../../src/gpu';
import { newControl, type TrainerHooks } from '../../src/training/trainer';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder, removed when the test process exits. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `dicnet-${name}-`));
  made.push(dir);
  return dir;
}

/**
 * 6 training images at batch 2: 3 steps an epoch; teacher 2 epochs, student 1.
 * Direct convs: the tests compare bits across runs, and timed choices could
 * differ between two runs (test/reliability-resume covers tuned runs).
 */
export function smallRun(out: string, overrides: Partial<RunOptions> = {}): RunOptions {
  return { ...defaults, scenes: [6, 1, 2], teacherEpochs: 2, studentEpochs: 1, batchSize: 2, panels: 0, convChoices: 'direct', out, ...overrides };
}

export function control(hooks: TrainerHooks = {}, stepsLeft: number | null = null): PipelineControl {
  return { ...newControl(stepsLeft), hooks };
}

export interface Captured<T> {
  value?: T;
  error?: unknown;
  /** Everything the run printed (stdout and stderr). */
  output: string;
}

/** Runs `fn` with console.log and stderr captured; never throws. */
export async function captured<T>(fn: () => Promise<T>): Promise<Captured<T>> {
  const chunks: string[] = [];
  const log = console.log;
  const write = process.stderr.write;
  console.log = (...args: unknown[]) => void chunks.push(args.join(' ') + '\n');
  process.stderr.write = ((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    return { value: await fn(), output: chunks.join('') };
  } catch (error) {
    return { error, output: chunks.join('') };
  } finally {
    console.log = log;
    process.stderr.write = write;
  }
}

export function runQuietly(rt: GpuRuntime, o: RunOptions, c: PipelineControl = control()): Promise<Captured<PipelineResult>> {
  return captured(() => runPipeline(rt, o, c));
}

export function finalWeights(out: string): Weights {
  const paths = checkpointPaths(out);
  return { teacher: readFileSync(paths.teacher), student: readFileSync(paths.student) };
}

type Weights = { teacher: Buffer; student: Buffer };
const referenceKey = Symbol.for('dicnet.test.referenceWeights');

/**
 * Final weights of an uninterrupted smallRun with the default seed. Every test
 * file is bundled on its own but uvu runs them in one process, so the run is
 * shared through globalThis and done once.
 */
export function referenceWeights(rt: GpuRuntime): Promise<Weights> {
  const store = globalThis as unknown as Record<symbol, Promise<Weights> | undefined>;
  store[referenceKey] ??= (async () => {
    const out = tempDir('reference');
    expectValue(await runQuietly(rt, smallRun(out)));
    return finalWeights(out);
  })();
  return store[referenceKey];
}

/** A checked value of a captured run, or the error it threw, with its output for the failure message. */
export function expectValue<T>(run: Captured<T>): T {
  if (run.error !== undefined) throw new Error(`the run failed: ${String(run.error)}\n${run.output}`);
  return run.value!;
}
