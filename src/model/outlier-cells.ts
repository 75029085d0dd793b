// Outlier exposure's cells: on feature cells that a painted outlier covers,
// the student is taught a transformed teacher feature instead of the teacher's
// own, with more weight, so that the discrepancy there is large
// (src/data/outlier-shapes.ts paints the objects and labels their pixels).

import { ANOMALY_LABEL } from '../base/labels';

/** Which cells of an n x h x w feature map are outliers. */
export interface OutlierCells {
  n: number;
  h: number;
  w: number;
  /** Per cell, [n, h, w]: 1 where at least half its pixels are ANOMALY_LABEL. */
  covered: Uint8Array;
}

/** The outlier cells of a feature map at 1/stride of the labels (n x height x width). */
export function outlierCells(labels: Int32Array, n: number, height: number, width: number, h: number, w: number): OutlierCells {
  const sy = height / h;
  const sx = width / w;
  const covered = new Uint8Array(n * h * w);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let anomalous = 0;
        let total = 0;
        for (let y = Math.floor(i * sy); y < Math.floor((i + 1) * sy); y++) {
          for (let x = Math.floor(j * sx); x < Math.floor((j + 1) * sx); x++) {
            total++;
            if (labels[s * height * width + y * width + x] === ANOMALY_LABEL) anomalous++;
          }
        }
        if (2 * anomalous >= total) covered[(s * h + i) * w + j] = 1;
      }
    }
  }
  return { n, h, w, covered };
}

/**
 * `outlierValue` on the outlier cells, 1 elsewhere, repeated over `channels`:
 * [n, channels, h, w]. The target's factor on the teacher's feature, and each
 * cell's weight in the loss.
 */
export function cellValues(cells: OutlierCells, channels: number, outlierValue: number): Float32Array {
  const { n, h, w, covered } = cells;
  const plane = h * w;
  const out = new Float32Array(n * channels * plane).fill(1);
  for (let s = 0; s < n; s++) {
    for (let p = 0; p < plane; p++) {
      if (covered[s * plane + p] === 0) continue;
      for (let c = 0; c < channels; c++) out[(s * channels + c) * plane + p] = outlierValue;
    }
  }
  return out;
}
