// The ranked curve behind AUROC, AUPR and FPR95: scikit-learn's _binary_clf_curve.
// One point per distinct score (tied scores form one group, so the order among
// ties never matters), scores descending; a point counts every sample whose score
// is >= its threshold.

import { sortFloat32 } from './radix-sort';

export interface ThresholdCurve {
  /** Distinct scores, strictly descending. */
  readonly thresholds: Float64Array;
  /** Positives (anomaly pixels) with score >= thresholds[k]; integers, non-decreasing. */
  readonly truePositives: Float64Array;
  /** Negatives (known pixels) with score >= thresholds[k]. */
  readonly falsePositives: Float64Array;
  readonly positives: number;
  readonly negatives: number;
}

/**
 * Builds the curve from the scores of the positives and of the negatives: each
 * group radix-sorted on its own, then merged from the top, which replaces the
 * argsort of all scores.
 */
export function thresholdCurve(positiveScores: Float32Array, negativeScores: Float32Array): ThresholdCurve {
  const positives = sortedFinite(positiveScores, 'positive');
  const negatives = sortedFinite(negativeScores, 'negative');
  const capacity = positives.length + negatives.length;
  const thresholds = new Float64Array(capacity);
  const truePositives = new Float64Array(capacity);
  const falsePositives = new Float64Array(capacity);
  let p = positives.length - 1;
  let n = negatives.length - 1;
  let tp = 0;
  let fp = 0;
  let points = 0;
  while (p >= 0 || n >= 0) {
    const threshold = p < 0 ? negatives[n]! : n < 0 ? positives[p]! : Math.max(positives[p]!, negatives[n]!);
    // === groups -0 with +0, as numpy's diff does.
    while (p >= 0 && positives[p] === threshold) {
      tp++;
      p--;
    }
    while (n >= 0 && negatives[n] === threshold) {
      fp++;
      n--;
    }
    thresholds[points] = threshold;
    truePositives[points] = tp;
    falsePositives[points] = fp;
    points++;
  }
  return {
    thresholds: thresholds.subarray(0, points),
    truePositives: truePositives.subarray(0, points),
    falsePositives: falsePositives.subarray(0, points),
    positives: positives.length,
    negatives: negatives.length,
  };
}

function sortedFinite(scores: Float32Array, group: string): Float32Array {
  for (let i = 0; i < scores.length; i++) {
    // scikit-learn refuses non-finite scores (assert_all_finite).
    if (!Number.isFinite(scores[i]!)) throw new RangeError(`${group} score ${scores[i]} at index ${i} is not finite`);
  }
  return sortFloat32(scores);
}
