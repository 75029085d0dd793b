// A picture per test image, for a person to look at: the image, the ground
// truth anomaly mask, the DiCNet score map, the MSP score map and the
// teacher's segmentation, side by side.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Batch } from '../data/batches';
import { writePng } from '../data/png';
import { batchImage } from '../data/image-input';
import { anomalyMask, composePanels, maskImage, overlay, scoreHeatmap, segmentationImage, type RgbImage } from '../eval';
import type { ScoreName } from '../model/scores';

export function writePanels(path: string, batch: Batch, i: number, scores: Record<ScoreName, Float32Array>, prediction: Int32Array): void {
  const { width, height } = batch;
  const plane = width * height;
  const labels = batch.labels.subarray(i * plane, (i + 1) * plane);
  const image = batchImage(batch, i);
  const heat = (k: ScoreName): RgbImage => overlay(image, scoreHeatmap(scores[k].subarray(i * plane, (i + 1) * plane), width, height), 0.7);
  const picture = composePanels(
    [
      { title: 'IMAGE', image },
      { title: 'GT ANOMALY', image: maskImage(anomalyMask(labels), width, height) },
      { title: 'DICNET', image: heat('dicnetMse') },
      { title: 'MSP', image: heat('msp') },
      { title: 'TEACHER SEG', image: segmentationImage(prediction, width, height) },
    ],
    { textScale: 1 },
  );
  mkdirSync(dirname(path), { recursive: true });
  writePng(path, picture);
}
