// Anomaly scores of a batch. DiCNet: the distance between the teacher's and the
// student's features per pixel (mean squared difference over channels, and the
// KL variant), at feature resolution, upsampled bilinearly to the label size.
// Baselines from the same teacher's logits: MSP, max logit, softmax entropy.

import type { Batch } from '../base/batch';
import { beginScope, noGrad } from '../graph';
import { featureDistance, klDistance, softmaxScores, upsampleBilinear } from '../graph/ops';
import { Tensor } from '../graph/tensor';
import type { Student, Teacher } from './networks';

export const scoreNames = ['dicnetMse', 'dicnetKl', 'msp', 'maxLogit', 'entropy'] as const;
export type ScoreName = (typeof scoreNames)[number];

export interface BatchScores {
  /** Per score, [N * H * W] at label resolution; higher is more anomalous. */
  scores: Record<ScoreName, Float32Array>;
  /** The teacher's class per pixel, [N * H * W]. */
  prediction: Int32Array;
}

export async function scoreBatch(teacher: Teacher, student: Student, batch: Batch, temperature: number): Promise<BatchScores> {
  const rt = teacher.parameters()[0]!.rt;
  const scope = beginScope();
  try {
    const { h, w } = { h: batch.height, w: batch.width };
    const maps = noGrad(() => {
      const image = Tensor.from(rt, batch.images, [batch.size, 3, h, w]);
      const { feature, logits } = teacher.featureAndLogits(image);
      const studentFeature = student.feature(image);
      const up = (t: Tensor): Tensor => upsampleBilinear(t, h, w, { alignCorners: false });
      const baselines = softmaxScores(up(logits));
      return {
        dicnetMse: up(featureDistance(feature, studentFeature)),
        dicnetKl: up(klDistance(studentFeature, feature, temperature)),
        msp: baselines.msp,
        maxLogit: baselines.maxLogit,
        entropy: baselines.entropy,
        argmax: baselines.argmax,
      };
    });
    const order = [...scoreNames, 'argmax'] as const;
    const data = await rt.readMany(order.map((k) => ({ buffer: maps[k].buffer, bytes: batch.size * h * w * 4 })));
    const scores = Object.fromEntries(scoreNames.map((k, i) => [k, new Float32Array(data[i]!)])) as Record<ScoreName, Float32Array>;
    return { scores, prediction: new Int32Array(data[scoreNames.length]!) };
  } finally {
    scope.end();
  }
}
