// One training step of each branch, recorded into one command encoder:
// forward, backward and optimizer update, then one small readback of the loss
// and of the flag that says whether the update was applied (it is skipped on
// the GPU when the loss or a gradient is not finite).

import type { Batch } from '../base/batch';
import { IGNORE_LABEL } from '../base/labels';
import { backward, beginScope } from '../graph';
import { LabelMap } from '../graph/labels';
import type { Optimizer } from '../graph/optim';
import { crossEntropy, featureDistance, klDistance, klDistill, mean, mse, multiply, upsampleBilinear } from '../graph/ops';
import { noGrad } from '../graph/tape';
import { Tensor } from '../graph/tensor';
import { NonFiniteLossError } from './errors';
import type { Student, Teacher } from './networks';
import { cellValues, outlierCells } from './outlier-cells';

export type DistillLoss = 'kl' | 'mse';

/** What the student is taught where a painted outlier covers the feature (outlier exposure), or 'none'. */
export const STUDENT_OUTLIERS = ['none', 'uniform', 'opposite'] as const;
export type StudentOutliers = (typeof STUDENT_OUTLIERS)[number];

/** The factor on the teacher's feature that gives each outlier target: a flat feature, or the negated one. */
const OUTLIER_TARGET_SCALE: Record<Exclude<StudentOutliers, 'none'>, number> = { uniform: 0, opposite: -1 };

/**
 * The default weight of an outlier cell's distance in the loss. Painted objects
 * cover about 2% of the feature cells; unweighted, they moved the student too
 * little to find even painted objects better than a student distilled without
 * them (docs/experiments.md). Weighted by 20 they carry about a third of the loss.
 */
export const OUTLIER_WEIGHT = 20;

/** Outlier exposure: what the student is taught on painted objects' cells, and how much they weigh. */
export interface OutlierExposure {
  target: Exclude<StudentOutliers, 'none'>;
  weight: number;
}

function imageTensor(rt: Tensor['rt'], b: Batch): Tensor {
  return Tensor.from(rt, b.images, [b.size, 3, b.height, b.width]);
}

/** Records the update (skipped on the GPU if anything is not finite), submits, then reads the loss and the flag. */
async function applyIfFinite(loss: Tensor, name: string, step: number, optimizer: Optimizer): Promise<number> {
  const flag = optimizer.step(loss);
  const [lossData, flagData] = await loss.rt.readMany([{ buffer: loss.buffer, bytes: 4 }, { buffer: flag.buffer, bytes: 4 }]);
  const value = new Float32Array(lossData!)[0]!;
  if (!optimizer.stepApplied(new Uint32Array(flagData!)[0]!)) throw new NonFiniteLossError(name, step, value);
  return value;
}

/**
 * Cross-entropy on the teacher's logits, upsampled to the label resolution.
 * Throws a LabelRangeError, before anything is recorded, for a label that is
 * neither a known class nor IGNORE_LABEL: the kernel would skip it silently.
 */
export async function teacherStep(teacher: Teacher, optimizer: Optimizer, batch: Batch, step: number, classWeights: Tensor | null = null): Promise<number> {
  const rt = optimizer.params[0]!.param.rt;
  const scope = beginScope();
  try {
    const labels = LabelMap.from(rt, batch.labels, [batch.size, batch.height, batch.width], { classes: teacher.numClasses, ignoreIndex: IGNORE_LABEL });
    const logits = upsampleBilinear(teacher.logits(imageTensor(rt, batch)), batch.height, batch.width, { alignCorners: false });
    const loss = crossEntropy(logits, labels, IGNORE_LABEL, classWeights);
    backward(loss);
    return await applyIfFinite(loss, 'cross-entropy', step, optimizer);
  } finally {
    scope.end();
  }
}

/**
 * The distillation loss with outlier exposure: feature cells mostly covered by
 * ANOMALY_LABEL pixels (painted outliers) take the outlier target instead of
 * the teacher's feature, and weigh `outliers.weight` in the mean distance.
 */
function exposedLoss(feature: Tensor, teacherFeature: Tensor, batch: Batch, loss: DistillLoss, temperature: number, outliers: OutlierExposure): Tensor {
  const rt = feature.rt;
  const [n, c, h, w] = feature.shape as [number, number, number, number];
  const covered = outlierCells(batch.labels, n, batch.height, batch.width, h, w);
  const cells = (channels: number, value: number) => Tensor.from(rt, cellValues(covered, channels, value), [n, channels, h, w]);
  const target = noGrad(() => multiply(teacherFeature, cells(c, OUTLIER_TARGET_SCALE[outliers.target])));
  const distance = loss === 'kl' ? klDistance(feature, target, temperature) : featureDistance(feature, target);
  return mean(multiply(distance, cells(1, outliers.weight)));
}

/** Distillation of the frozen teacher's feature into the student, with outlier exposure where asked. */
export async function distillStep(
  teacher: Teacher,
  student: Student,
  optimizer: Optimizer,
  batch: Batch,
  step: number,
  loss: DistillLoss,
  temperature: number,
  outliers: OutlierExposure | null = null,
): Promise<number> {
  const rt = optimizer.params[0]!.param.rt;
  const scope = beginScope();
  try {
    const image = imageTensor(rt, batch);
    const teacherFeature = noGrad(() => teacher.feature(image));
    const feature = student.feature(image);
    const value = outliers === null ? (loss === 'kl' ? klDistill(feature, teacherFeature, temperature) : mse(feature, teacherFeature)) : exposedLoss(feature, teacherFeature, batch, loss, temperature, outliers);
    backward(value);
    return await applyIfFinite(value, loss === 'kl' ? 'KL distillation' : 'MSE distillation', step, optimizer);
  } finally {
    scope.end();
  }
}
