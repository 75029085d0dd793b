// A picture per test image, for a person to look at: the image, the ground
// truth anomaly mask, the DiCNet score map, the MSP score map and the
// teacher's segmentation, side by side.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Batch } from '../data/batches';
import { writePng } from '../data/png';
import { IMAGENET_MEAN, IMAGENET_STD } from '../data/resize';
import { anomalyMask, composePanels, maskImage, overlay, scoreHeatmap, segmentationImage, type RgbImage } from '../eval';
import type { ScoreName } from '../model/scores';

/** The i-th image of a batch back in 8-bit RGB (undoing the ImageNet normalisation). */
export function batchImage(batch: Batch, i: number): RgbImage {
  const plane = batch.height * batch.width;
  const data = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const src = batch.images.subarray((i * 3 + c) * plane, (i * 3 + c + 1) * plane);
    for (let p = 0; p < plane; p++) data[p * 3 + c] = Math.max(0, Math.min(255, Math.round((src[p]! * IMAGENET_STD[c]! + IMAGENET_MEAN[c]!) * 255)));
  }
  return { width: batch.width, height: batch.height, data };
}

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
