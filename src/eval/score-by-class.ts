// An anomaly score's level by the teacher's predicted class, separately over a
// split's normal and anomaly pixels. Per-image AUROC ranks a photo's anomaly
// pixels against its normal ones, so a class whose normal pixels score as high
// as the anomalies (a background the networks never saw) costs a detector more
// than any mean over the whole split shows.

import { checkSameLength, pixelKind } from './labels';

export interface ClassLevels {
  /** Pixels the teacher gave this class, as a share of the split's normal (or anomaly) pixels. */
  share: number;
  /** Mean score over those pixels; null where there are none. */
  mean: number | null;
}

export interface ScoreByClassSummary {
  normal: ClassLevels[];
  anomaly: ClassLevels[];
  normalPixels: number;
  anomalyPixels: number;
}

export class ScoreByClass {
  private readonly sums: { normal: Float64Array; anomaly: Float64Array };
  private readonly counts: { normal: Float64Array; anomaly: Float64Array };

  constructor(readonly classCount: number) {
    this.sums = { normal: new Float64Array(classCount), anomaly: new Float64Array(classCount) };
    this.counts = { normal: new Float64Array(classCount), anomaly: new Float64Array(classCount) };
  }

  /** One image: its scores, labels and the teacher's class per pixel, all of one length. */
  add(scores: ArrayLike<number>, labels: ArrayLike<number>, prediction: ArrayLike<number>): void {
    checkSameLength('score map', labels.length, scores.length);
    checkSameLength('prediction', labels.length, prediction.length);
    for (let p = 0; p < labels.length; p++) {
      const pixel = pixelKind(labels[p]!, p);
      if (pixel === 'ignore') continue;
      const c = prediction[p]!;
      if (!(c >= 0 && c < this.classCount)) throw new RangeError(`predicted class ${c} at pixel ${p} is outside 0..${this.classCount - 1}`);
      const kind = pixel === 'anomaly' ? 'anomaly' : 'normal';
      this.sums[kind][c] += scores[p]!;
      this.counts[kind][c]!++;
    }
  }

  summary(): ScoreByClassSummary {
    const levels = (kind: 'normal' | 'anomaly'): { rows: ClassLevels[]; total: number } => {
      const total = this.counts[kind].reduce((a, b) => a + b, 0);
      const rows = Array.from(this.counts[kind], (n, c) => ({ share: total > 0 ? n / total : 0, mean: n > 0 ? this.sums[kind][c]! / n : null }));
      return { rows, total };
    };
    const normal = levels('normal');
    const anomaly = levels('anomaly');
    return { normal: normal.rows, anomaly: anomaly.rows, normalPixels: normal.total, anomalyPixels: anomaly.total };
  }
}
