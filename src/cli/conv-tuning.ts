// `--conv-choices FILE`: before training, each 3x3 stride-1 conv of the two
// networks is timed direct against Winograd on this adapter and keeps the
// faster (src/kernels/conv2dalgorithm.ts). The choices are read from FILE first
// and saved to it, so a later run on the same adapter, a resumed one included,
// makes the same choices without timing again: the algorithm changes a conv's
// result within float32 rounding, and a resumed run is bit-identical to an
// uninterrupted one only with the same choices.

import type { GpuRuntime } from '../gpu';
import { beginScope, noGrad, Tensor } from '../graph';
import { convChoiceKey, convGeometriesOf, tuneConv2d } from '../kernels/conv2dalgorithm';
import { loadConvChoices, saveConvChoices } from './conv-choices';
import type { ModelConfig } from '../model/config';
import type { Student, Teacher } from '../model/networks';

/** This process's CPU time in milliseconds: on a software adapter the GPU's work runs on its threads. */
export function cpuClock(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Tunes the convs of both networks' forward at this batch size (the grad input
 * of a conv is tuned with its forward). Leaves both networks in eval mode; the
 * phases set their own.
 */
export async function tuneNetworkConvs(rt: GpuRuntime, teacher: Teacher, student: Student, config: ModelConfig, batchSize: number, file: string, log: (line: string) => void): Promise<void> {
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
  for (const t of tuned) log(`conv ${convChoiceKey(t.direction, t.g)}: ${t.chosen} (${Object.entries(t.timings).map(([a, ms]) => `${a} ${ms.toFixed(2)} ms`).join(', ')})`);
  saveConvChoices(rt, file);
  log(`conv choices: ${shapes.length} 3x3 stride-1 shapes, ${loaded} choices read from ${file}, ${tuned.length} timed now`);
}
