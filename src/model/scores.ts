// Anomaly scores of a batch. DiCNet: the distance between the teacher's and the
// student's features per pixel (mean squared difference over channels, and the
// KL variant), at feature resolution, upsampled bilinearly to the label size.
// Baselines from the same teacher's logits: MSP, max logit, softmax entropy.
// Controls, when the networks at initialisation are given: the same DiCNet
// scores from the untrained pair, and from the trained teacher with the
// untrained student, which show how much of a score distillation earns.

import { beginScope, noGrad } from '../graph';
import { featureDistance, klDistance, softmaxScores, upsampleBilinear } from '../graph/ops';
import { Tensor } from '../graph/tensor';
import type { Batch } from '../base/batch';
import type { Student, Teacher } from './networks';

export const scoreNames = ['dicnetKl', 'dicnetMse', 'msp', 'maxLogit', 'entropy'] as const;
export type ScoreName = (typeof scoreNames)[number];

export const controlScoreNames = ['untrainedPairKl', 'untrainedPairMse', 'untrainedStudentKl', 'untrainedStudentMse'] as const;
export type ControlScoreName = (typeof controlScoreNames)[number];

/** The two networks as they were before training (same seed, same initial weights). */
export interface UntrainedPair {
  teacher: Teacher;
  student: Student;
}

export interface BatchScores {
  /** Per score, [N * H * W] at label resolution; higher is more anomalous. */
  scores: Record<ScoreName, Float32Array>;
  /** The control scores, when scoreBatch was given the untrained pair. */
  controls: Record<ControlScoreName, Float32Array> | null;
  /** The teacher's class per pixel, [N * H * W]. */
  prediction: Int32Array;
}

export async function scoreBatch(teacher: Teacher, student: Student, batch: Batch, temperature: number, untrained?: UntrainedPair): Promise<BatchScores> {
  const rt = teacher.parameters()[0]!.rt;
  const scope = beginScope();
  try {
    const { h, w } = { h: batch.height, w: batch.width };
    const maps = noGrad(() => {
      const image = Tensor.from(rt, batch.images, [batch.size, 3, h, w]);
      const up = (t: Tensor): Tensor => upsampleBilinear(t, h, w, { alignCorners: false });
      const { feature, logits } = teacher.featureAndLogits(image);
      const studentFeature = student.feature(image);
      const baselines = softmaxScores(up(logits));
      const out: Record<ScoreName | ControlScoreName | 'argmax', Tensor | null> = {
        dicnetKl: up(klDistance(studentFeature, feature, temperature)),
        dicnetMse: up(featureDistance(feature, studentFeature)),
        msp: baselines.msp,
        maxLogit: baselines.maxLogit,
        entropy: baselines.entropy,
        argmax: baselines.argmax.holder,
        untrainedPairKl: null,
        untrainedPairMse: null,
        untrainedStudentKl: null,
        untrainedStudentMse: null,
      };
      if (untrained) {
        const teacher0 = untrained.teacher.feature(image);
        const student0 = untrained.student.feature(image);
        out.untrainedPairKl = up(klDistance(student0, teacher0, temperature));
        out.untrainedPairMse = up(featureDistance(teacher0, student0));
        out.untrainedStudentKl = up(klDistance(student0, feature, temperature));
        out.untrainedStudentMse = up(featureDistance(feature, student0));
      }
      return out;
    });
    const order: (ScoreName | ControlScoreName | 'argmax')[] = [...scoreNames, 'argmax', ...(untrained ? controlScoreNames : [])];
    const data = await rt.readMany(order.map((k) => ({ buffer: maps[k]!.buffer, bytes: batch.size * h * w * 4 })));
    const read = (k: ScoreName | ControlScoreName): Float32Array => new Float32Array(data[order.indexOf(k)]!);
    return {
      scores: Object.fromEntries(scoreNames.map((k) => [k, read(k)])) as Record<ScoreName, Float32Array>,
      controls: untrained ? (Object.fromEntries(controlScoreNames.map((k) => [k, read(k)])) as Record<ControlScoreName, Float32Array>) : null,
      prediction: new Int32Array(data[scoreNames.length]!),
    };
  } finally {
    scope.end();
  }
}
