// Outlier exposure's cells: on feature cells that a painted outlier covers,
// the student is taught a transformed teacher feature instead of the teacher's
// own, with more weight, so that the discrepancy there is large
// (src/data/outlier-shapes.ts paints the objects and labels their pixels).

import { ANOMALY_LABEL } from '../base/labels';

/**
 * Per cell of a feature map at 1/stride of the labels: 1 where the cell is
 * mostly normal, `outlierValue` where at least half its pixels are
 * ANOMALY_LABEL; repeated over `channels`, [n, channels, h, w]. The target's
 * factor on the teacher's feature, and each cell's weight in the loss.
 */
export function outlierCellMap(labels: Int32Array, n: number, height: number, width: number, channels: number, h: number, w: number, outlierValue: number): Float32Array {
  const sy = height / h;
  const sx = width / w;
  const out = new Float32Array(n * channels * h * w).fill(1);
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
        if (2 * anomalous < total) continue;
        for (let c = 0; c < channels; c++) out[((s * channels + c) * h + i) * w + j] = outlierValue;
      }
    }
  }
  return out;
}
