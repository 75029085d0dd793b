// Per-image metrics averaged over a split, the StreetHazards protocol: each image
// with at least one anomaly pixel (and one known pixel) counts once; the others
// are skipped and counted instead of crashing as the reference does.

import { imageAnomalyMetrics, type ImageAnomalyInput, type ImageAnomalyResult, type ScoredImage } from './image-metrics';

export interface AnomalySummary {
  /** Means over scored images, fractions in [0, 1]; null when no image was scored. */
  readonly auroc: number | null;
  readonly aupr: number | null;
  readonly fpr95: number | null;
  /** Means over the scored images where each is defined. */
  readonly cfpr: number | null;
  readonly efpr: number | null;
  readonly imagesScored: number;
  readonly imagesWithoutAnomaly: number;
  readonly imagesWithoutKnownPixel: number;
  /** Scored images left out of the cFPR / eFPR mean (no prediction, or no such pixel). */
  readonly imagesWithoutCfpr: number;
  readonly imagesWithoutEfpr: number;
}

export class AnomalyEvaluation {
  readonly images: ImageAnomalyResult[] = [];

  add(input: ImageAnomalyInput): ImageAnomalyResult {
    const result = imageAnomalyMetrics(input);
    this.images.push(result);
    return result;
  }

  summary(): AnomalySummary {
    return summariseImages(this.images);
  }
}

export function summariseImages(images: readonly ImageAnomalyResult[]): AnomalySummary {
  const scored = images.filter((image): image is ScoredImage => image.kind === 'scored');
  const skipped = (reason: string) => images.filter((image) => image.kind === 'skipped' && image.reason === reason).length;
  const cfprs = scored.flatMap((image) => (image.cfpr === null ? [] : [image.cfpr]));
  const efprs = scored.flatMap((image) => (image.efpr === null ? [] : [image.efpr]));
  return {
    auroc: mean(scored.map((image) => image.auroc)),
    aupr: mean(scored.map((image) => image.aupr)),
    fpr95: mean(scored.map((image) => image.fpr95)),
    cfpr: mean(cfprs),
    efpr: mean(efprs),
    imagesScored: scored.length,
    imagesWithoutAnomaly: skipped('no anomaly pixel'),
    imagesWithoutKnownPixel: skipped('no known pixel'),
    imagesWithoutCfpr: scored.length - cfprs.length,
    imagesWithoutEfpr: scored.length - efprs.length,
  };
}

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}
