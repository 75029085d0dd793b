// The anomaly metrics of one image: AUROC, AUPR, FPR95 and the DiCNet paper's
// cFPR / eFPR.

import { UNCLASSIFIED_LABEL } from '../base/labels';
import { thresholdCurve } from './curve';
import { checkSameLength, pixelKind, type LabelArray } from './labels';
import { averagePrecision, fprAtRecall, rocAuc } from './ranking';

export interface ImageAnomalyInput {
  /** Anomaly score per pixel, higher = more anomalous; row-major like labels. */
  readonly scores: Float32Array;
  /** Ground truth: classes and UNCLASSIFIED_LABEL are normal, ANOMALY_LABEL anomaly, IGNORE_LABEL excluded from every metric. */
  readonly labels: LabelArray;
  /** The teacher's class per pixel, for cFPR / eFPR; without it both are null. */
  readonly prediction?: LabelArray;
  readonly name?: string;
}

export interface ScoredImage {
  readonly kind: 'scored';
  readonly name?: string;
  readonly auroc: number;
  readonly aupr: number;
  readonly fpr95: number;
  /** The FPR95 threshold: pixels with score >= threshold are flagged. */
  readonly threshold: number;
  readonly cfpr: number | null;
  readonly efpr: number | null;
  readonly anomalyPixels: number;
  readonly knownPixels: number;
  /** Known pixels the teacher classifies correctly / wrongly (0 without a prediction). */
  readonly correctPixels: number;
  readonly misclassifiedPixels: number;
}

export interface SkippedImage {
  readonly kind: 'skipped';
  readonly name?: string;
  /** AUROC and the rest are undefined without both kinds of pixel (the reference crashes). */
  readonly reason: 'no anomaly pixel' | 'no known pixel';
}

export type ImageAnomalyResult = ScoredImage | SkippedImage;

/**
 * Scores one image. Positives: pixels labelled anomaly; negatives: known pixels.
 *
 * cFPR and eFPR (Zhou et al., DiCNet): with t the image's FPR95 threshold (the
 * reference's choice, see fprAtRecall) and a pixel flagged when score >= t,
 *   cFPR = |known, prediction == label, flagged| / |known, prediction == label|
 *   eFPR = |known, prediction != label, flagged| / |known, prediction != label|.
 * So knownPixels * fpr95 = correctPixels * cFPR + misclassifiedPixels * eFPR.
 * eFPR is null for an image with no misclassified known pixel, cFPR for one with no
 * correct known pixel. The reference flags score > t (strictly); the two differ
 * only on known pixels whose score equals t exactly. Normal pixels of no given
 * class (anomaly sets) count in FPR95 but in neither cFPR nor eFPR.
 */
export function imageAnomalyMetrics(input: ImageAnomalyInput): ImageAnomalyResult {
  const { scores, labels, prediction } = input;
  const named = input.name === undefined ? {} : { name: input.name };
  checkSameLength('labels', scores.length, labels.length);
  if (prediction) checkSameLength('prediction', scores.length, prediction.length);

  let anomalyPixels = 0;
  let knownPixels = 0;
  for (let i = 0; i < labels.length; i++) {
    const kind = pixelKind(labels[i]!, i);
    if (kind === 'anomaly') anomalyPixels++;
    else if (kind === 'known') knownPixels++;
  }
  if (anomalyPixels === 0) return { kind: 'skipped', ...named, reason: 'no anomaly pixel' };
  if (knownPixels === 0) return { kind: 'skipped', ...named, reason: 'no known pixel' };

  const anomalyScores = new Float32Array(anomalyPixels);
  const knownScores = new Float32Array(knownPixels);
  let a = 0;
  let k = 0;
  for (let i = 0; i < labels.length; i++) {
    const kind = pixelKind(labels[i]!, i);
    if (kind === 'anomaly') anomalyScores[a++] = scores[i]!;
    else if (kind === 'known') knownScores[k++] = scores[i]!;
  }

  const curve = thresholdCurve(anomalyScores, knownScores);
  const { fpr, threshold } = fprAtRecall(curve);
  const split = prediction ? flaggedByCorrectness(scores, labels, prediction, threshold) : null;
  return {
    kind: 'scored',
    ...named,
    auroc: rocAuc(curve),
    aupr: averagePrecision(curve),
    fpr95: fpr,
    threshold,
    cfpr: split && split.correct > 0 ? split.correctFlagged / split.correct : null,
    efpr: split && split.misclassified > 0 ? split.misclassifiedFlagged / split.misclassified : null,
    anomalyPixels,
    knownPixels,
    correctPixels: split?.correct ?? 0,
    misclassifiedPixels: split?.misclassified ?? 0,
  };
}

function flaggedByCorrectness(scores: Float32Array, labels: LabelArray, prediction: LabelArray, threshold: number) {
  let correct = 0;
  let correctFlagged = 0;
  let misclassified = 0;
  let misclassifiedFlagged = 0;
  for (let i = 0; i < labels.length; i++) {
    if (pixelKind(labels[i]!, i) !== 'known' || labels[i] === UNCLASSIFIED_LABEL) continue;
    const flagged = scores[i]! >= threshold ? 1 : 0;
    if (prediction[i] === labels[i]) {
      correct++;
      correctFlagged += flagged;
    } else {
      misclassified++;
      misclassifiedFlagged += flagged;
    }
  }
  return { correct, correctFlagged, misclassified, misclassifiedFlagged };
}
