// `--conv-choices auto|direct|FILE`: before training, each 3x3 stride-1 conv of
// the two networks is timed direct against Winograd on this adapter and keeps
// the faster (src/kernels/conv2dalgorithm.ts). The algorithm changes a conv's
// result within float32 rounding, so a resumed run is bit-identical to an
// uninterrupted one only with the same choices: they are saved in the run's
// folder before the first step, and a resumed run takes them from there
// instead of timing again (a run saved without them ran direct). A FILE also
// keeps them between runs, so a later run on the same adapter need not time.

import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatSeconds } from '../data/progress';
import type { GpuRuntime } from '../gpu';
import { beginScope, noGrad, Tensor } from '../graph';
import { convGeometriesOf, describeTuning, exportConvChoices, forgetConvChoices, tuneConv2d } from '../kernels/conv2dalgorithm';
import { loadConvChoices, saveConvChoices } from './conv-choices';
import type { ModelConfig } from '../model/config';
import type { Student, Teacher } from '../model/networks';

/** This process's CPU time in milliseconds: on a software adapter the GPU's work runs on its threads. */
export function cpuClock(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Where a run keeps the conv choices it trains with. */
export function runConvChoicesPath(checkpointDir: string): string {
  return join(checkpointDir, 'conv-choices.json');
}

/**
 * Tunes the convs of both networks' forward at this batch size (the grad input
 * and grad weight of a conv are tuned with its forward), after taking the
 * choices `file` holds. Leaves both networks in eval mode; the phases set their own.
 */
export async function tuneNetworkConvs(rt: GpuRuntime, teacher: Teacher, student: Student, config: ModelConfig, batchSize: number, file: string, log: (line: string) => void): Promise<void> {
  const start = performance.now();
  const loaded = loadConvChoices(rt, file);
  teacher.eval();
  student.eval();
  const scope = beginScope();
  const shapes = await convGeometriesOf(rt, async () => {
    const image = Tensor.from(rt, new Float32Array(batchSize * 3 * config.inputHeight * config.inputWidth), [batchSize, 3, config.inputHeight, config.inputWidth]);
    noGrad(() => (teacher.hasClassifier ? teacher.logits(image) : teacher.feature(image)));
    noGrad(() => student.feature(image));
    await rt.sync();
  });
  scope.end();
  const tuned = await tuneConv2d(rt, shapes, rt.adapter.software ? { clock: cpuClock } : {});
  for (const t of tuned) log(`conv ${describeTuning(t)}`);
  saveConvChoices(rt, file);
  log(`conv choices: ${shapes.length} 3x3 stride-1 shapes, ${loaded} choices read from ${file}, ${tuned.length} timed now (${formatSeconds((performance.now() - start) / 1000)})`);
}

export interface RunConvChoices {
  /** The option's value: 'auto', 'direct' or a file. */
  mode: string;
  /** The run's own copy (runConvChoicesPath). */
  runFile: string;
  resuming: boolean;
}

/** What this runtime's convs run, for the report: each algorithm with how many conv directions use it. */
function describeChoices(rt: GpuRuntime, how: string): string {
  const counts = new Map<string, number>();
  for (const algorithm of Object.values(exportConvChoices(rt)[rt.describe()] ?? {})) counts.set(algorithm, (counts.get(algorithm) ?? 0) + 1);
  const list = [...counts].map(([algorithm, n]) => `${algorithm} ${n}`).join(', ');
  return `${list || 'direct everywhere'} (${how})`;
}

/**
 * Sets this runtime's conv algorithms for a run, as `--conv-choices` and the
 * run's folder say; returns what they are, for the report.
 */
export async function chooseRunConvs(rt: GpuRuntime, teacher: Teacher, student: Student, config: ModelConfig, batchSize: number, c: RunConvChoices, log: (line: string) => void): Promise<string> {
  forgetConvChoices(rt);
  if (c.resuming) {
    if (!existsSync(c.runFile)) {
      log('conv choices: none saved with this run, so it goes on direct as it began');
      return describeChoices(rt, 'none saved with the run');
    }
    if (loadConvChoices(rt, c.runFile) === 0) {
      log(`conv choices: ${c.runFile} holds none for this adapter (the run began on another), so the convs run direct and the result is not bit-identical to an uninterrupted run`);
      return describeChoices(rt, 'the run began on another adapter');
    }
    log(`conv choices: taken from ${c.runFile}, as the run began`);
    return describeChoices(rt, 'as the run saved them');
  }
  rmSync(c.runFile, { force: true });
  if (c.mode === 'direct') {
    log('conv choices: direct everywhere (--conv-choices direct)');
    return describeChoices(rt, '--conv-choices direct');
  }
  await tuneNetworkConvs(rt, teacher, student, config, batchSize, c.mode === 'auto' ? c.runFile : c.mode, log);
  if (c.mode !== 'auto') saveConvChoices(rt, c.runFile);
  return describeChoices(rt, c.mode === 'auto' ? 'timed, --conv-choices auto' : `--conv-choices ${c.mode}`);
}
