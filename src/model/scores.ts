// Anomaly scores of a batch. DiCNet: the distance between the teacher's and the
// student's features per pixel (mean squared difference over channels, and the
// KL variant), at feature resolution, upsampled bilinearly to the label size
// (with align_corners as the configuration says). Baselines from the same
// teacher's logits: MSP, max logit, softmax entropy; omitted, saying why, for a
// teacher built without its classifier. The reference also min-max normalises
// each batch's DiCNet map; that changes no per-image metric and is not done here.
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
export type BaselineScoreName = 'msp' | 'maxLogit' | 'entropy';
type DicnetScoreName = Exclude<ScoreName, BaselineScoreName>;

export const controlScoreNames = ['untrainedPairKl', 'untrainedPairMse', 'untrainedStudentKl', 'untrainedStudentMse'] as const;
export type ControlScoreName = (typeof controlScoreNames)[number];

/** The two networks as they were before training (same seed, same initial weights). */
export interface UntrainedPair {
  teacher: Teacher;
  student: Student;
}

export interface BatchScores {
  /** Per score, [N * H * W] at label resolution; higher is more anomalous. The baselines are null where `omitted` says why. */
  scores: Record<DicnetScoreName, Float32Array> & Record<BaselineScoreName, Float32Array | null>;
  /** The control scores, when scoreBatch was given the untrained pair. */
  controls: Record<ControlScoreName, Float32Array> | null;
  /** The teacher's class per pixel, [N * H * W]; null where `omitted` says why. */
  prediction: Int32Array | null;
  /** Why the baselines and the prediction are missing, or null when they are there. */
  omitted: string | null;
}

/** Scores of a teacher with its classifier: every score there. */
export interface CompleteBatchScores extends BatchScores {
  scores: Record<ScoreName, Float32Array>;
  prediction: Int32Array;
  omitted: null;
}

/** The scores with their baselines, or an error saying why they are missing. */
export function withBaselines(s: BatchScores): CompleteBatchScores {
  if (s.omitted !== null) throw new Error(`MSP, max logit and entropy are needed here, but ${s.omitted}`);
  return s as CompleteBatchScores;
}

const noClassifier = 'the teacher checkpoint has no classifier (decoder.conv_last.4), so there are no MSP, max logit and entropy baselines nor class predictions';

export async function scoreBatch(teacher: Teacher, student: Student, batch: Batch, temperature: number, untrained?: UntrainedPair): Promise<BatchScores> {
  const rt = teacher.parameters()[0]!.rt;
  const scope = beginScope();
  try {
    const { h, w } = { h: batch.height, w: batch.width };
    const maps = noGrad(() => {
      const image = Tensor.from(rt, batch.images, [batch.size, 3, h, w]);
      const up = (t: Tensor): Tensor => upsampleBilinear(t, h, w, { alignCorners: teacher.config.scoreAlignCorners });
      const { feature, logits } = teacher.hasClassifier ? teacher.featureAndLogits(image) : { feature: teacher.feature(image), logits: null };
      const studentFeature = student.feature(image);
      // The reference upsamples its logits with align_corners=False whatever the DiCNet maps use.
      const baselines = logits && softmaxScores(upsampleBilinear(logits, h, w, { alignCorners: false }));
      const out: Record<ScoreName | ControlScoreName | 'argmax', Tensor | null> = {
        dicnetKl: up(klDistance(studentFeature, feature, temperature)),
        dicnetMse: up(featureDistance(feature, studentFeature)),
        msp: baselines?.msp ?? null,
        maxLogit: baselines?.maxLogit ?? null,
        entropy: baselines?.entropy ?? null,
        argmax: baselines?.argmax.holder ?? null,
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
    const order = ([...scoreNames, 'argmax', ...controlScoreNames] as const).filter((k) => maps[k] !== null);
    const data = await rt.readMany(order.map((k) => ({ buffer: maps[k]!.buffer, bytes: batch.size * h * w * 4 })));
    const read = new Map(order.map((k, i) => [k, data[i]!]));
    const floats = (k: ScoreName | ControlScoreName): Float32Array | null => (read.has(k) ? new Float32Array(read.get(k)!) : null);
    return {
      scores: Object.fromEntries(scoreNames.map((k) => [k, floats(k)])) as BatchScores['scores'],
      controls: untrained ? (Object.fromEntries(controlScoreNames.map((k) => [k, floats(k)])) as Record<ControlScoreName, Float32Array>) : null,
      prediction: read.has('argmax') ? new Int32Array(read.get('argmax')!) : null,
      omitted: teacher.hasClassifier ? null : noClassifier,
    };
  } finally {
    scope.end();
  }
}
