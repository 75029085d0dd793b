// AUROC, average precision and FPR at 95% TPR on a ThresholdCurve, defined as
// scikit-learn (roc_auc_score, average_precision_score) and the DiCNet /
// hendrycks anomaly-seg reference (fpr_and_fdr_at_recall) compute them.

import type { ThresholdCurve } from './curve';

export const RECALL_LEVEL = 0.95;

function requireBothClasses(curve: ThresholdCurve, metric: string): void {
  if (curve.positives === 0 || curve.negatives === 0) {
    throw new RangeError(`${metric} needs positives and negatives, got ${curve.positives} and ${curve.negatives}`);
  }
}

/**
 * roc_auc_score: trapezoidal area under (FPR, TPR) with (0, 0) prepended, one
 * vertex per distinct score, so a tie group contributes a diagonal segment
 * (dropping collinear vertices, as roc_curve does, leaves the area unchanged).
 * Accumulated in integers (twice the area times P*N, exact below 2^53) and divided
 * once, so the result is the correctly rounded exact area; scikit-learn's float
 * trapezoid sum can differ from it in the last bits.
 */
export function rocAuc(curve: ThresholdCurve): number {
  requireBothClasses(curve, 'AUROC');
  const { truePositives: tps, falsePositives: fps } = curve;
  let doubledArea = 0;
  let previousTp = 0;
  let previousFp = 0;
  for (let k = 0; k < tps.length; k++) {
    doubledArea += (fps[k]! - previousFp) * (tps[k]! + previousTp);
    previousTp = tps[k]!;
    previousFp = fps[k]!;
  }
  return doubledArea / (2 * curve.positives * curve.negatives);
}

/**
 * average_precision_score: sum over distinct thresholds of
 * (R_k - R_{k-1}) * P_k with R_k = TP_k / positives, P_k = TP_k / (TP_k + FP_k),
 * R_{-1} = 0. A step function, no interpolation.
 */
export function averagePrecision(curve: ThresholdCurve): number {
  requireBothClasses(curve, 'AUPR');
  const { truePositives: tps, falsePositives: fps } = curve;
  let sum = 0;
  let previousTp = 0;
  for (let k = 0; k < tps.length; k++) {
    const tp = tps[k]!;
    if (tp !== previousTp) sum += (tp - previousTp) * (tp / (tp + fps[k]!));
    previousTp = tp;
  }
  return sum / curve.positives;
}

export interface FprAtRecall {
  /** Negatives with score >= threshold, over all negatives. */
  readonly fpr: number;
  /** The score at which the reference reads the FPR. */
  readonly threshold: number;
  /** The recall actually reached at that threshold (the closest to the level). */
  readonly recall: number;
}

/**
 * fpr_and_fdr_at_recall of the reference, step for step: keep the curve up to the
 * first point of full recall (tps.searchsorted(tps[-1])), walk it from that point
 * back towards the highest threshold and take the first point whose recall is
 * closest to recallLevel (np.argmin of |recall - level| keeps the first minimum).
 * So among several thresholds with the same recall the LOWEST one wins, the one
 * with the most false positives. The recall 1 the reference appends never wins:
 * the first point it visits already has recall exactly 1.
 */
export function fprAtRecall(curve: ThresholdCurve, recallLevel = RECALL_LEVEL): FprAtRecall {
  requireBothClasses(curve, 'FPR at recall');
  const { truePositives: tps, falsePositives: fps, thresholds } = curve;
  const allPositives = tps[tps.length - 1]!;
  let lastIndex = 0;
  while (tps[lastIndex]! < allPositives) lastIndex++;
  let cutoff = lastIndex;
  let bestDistance = Infinity;
  for (let k = lastIndex; k >= 0; k--) {
    const distance = Math.abs(tps[k]! / allPositives - recallLevel);
    if (distance < bestDistance) {
      bestDistance = distance;
      cutoff = k;
    }
  }
  return { fpr: fps[cutoff]! / curve.negatives, threshold: thresholds[cutoff]!, recall: tps[cutoff]! / allPositives };
}
