// Metrics pooled over every pixel of a set, as Fishyscapes and
// Segment-Me-If-You-Can rank methods: one ranking of all anomaly against all
// normal pixels, so large objects and images with many anomaly pixels weigh more
// than in the per-image means.

import { thresholdCurve } from './curve';
import { checkSameLength, pixelKind, type LabelArray } from './labels';
import { averagePrecision, fprAtRecall, rocAuc } from './ranking';

export interface PooledSummary {
  readonly auroc: number;
  readonly aupr: number;
  readonly fpr95: number;
  readonly anomalyPixels: number;
  readonly normalPixels: number;
}

/** Grows by doubling: a set's pixel count is not known before its images are read. */
class FloatList {
  private data = new Float32Array(1 << 16);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  values(): Float32Array {
    return this.data.subarray(0, this.length);
  }
}

export class PooledEvaluation {
  private readonly anomaly = new FloatList();
  private readonly normal = new FloatList();

  add(scores: Float32Array, labels: LabelArray): void {
    checkSameLength('labels', scores.length, labels.length);
    for (let i = 0; i < labels.length; i++) {
      const kind = pixelKind(labels[i]!, i);
      if (kind === 'anomaly') this.anomaly.push(scores[i]!);
      else if (kind === 'known') this.normal.push(scores[i]!);
    }
  }

  /** Null without both kinds of pixel. */
  summary(): PooledSummary | null {
    if (this.anomaly.length === 0 || this.normal.length === 0) return null;
    const curve = thresholdCurve(this.anomaly.values(), this.normal.values());
    return { auroc: rocAuc(curve), aupr: averagePrecision(curve), fpr95: fprAtRecall(curve).fpr, anomalyPixels: this.anomaly.length, normalPixels: this.normal.length };
  }
}
