// A picture per test image, for a person to look at: the image, the ground
// truth anomaly mask, the DiCNet score map, the MSP score map and the
// teacher's segmentation, side by side.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SampleBatch } from '../data/batches';
import { writePng } from '../data/png';
import { batchImage } from '../data/image-input';
import { anomalyMask, composePanels, maskImage, overlay, scoreHeatmap, segmentationImage, type RgbImage } from '../eval';
import type { ScoreName } from '../model/scores';

/** Nearest-neighbour enlargement, so 160x96 model inputs are readable. */
function enlarge(image: RgbImage, factor: number): RgbImage {
  const width = image.width * factor;
  const height = image.height * factor;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const source = (Math.floor(y / factor) * image.width + Math.floor(x / factor)) * 3;
      data.set(image.data.subarray(source, source + 3), (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

/** `dicnet` is the DiCNet score shown: the one that matches the distillation loss. */
export function writePanels(path: string, batch: SampleBatch, i: number, scores: Record<ScoreName, Float32Array>, prediction: Int32Array, dicnet: ScoreName): void {
  const { width, height } = batch;
  const plane = width * height;
  const labels = batch.labels.subarray(i * plane, (i + 1) * plane);
  const image = batchImage(batch, i);
  const heat = (k: ScoreName): RgbImage => overlay(image, scoreHeatmap(scores[k].subarray(i * plane, (i + 1) * plane), width, height), 0.7);
  const factor = width < 320 ? 2 : 1;
  const picture = composePanels(
    [
      { title: 'IMAGE', image },
      { title: 'GT ANOMALY', image: maskImage(anomalyMask(labels), width, height) },
      { title: dicnet === 'dicnetKl' ? 'DICNET (KL)' : 'DICNET', image: heat(dicnet) },
      { title: 'MSP', image: heat('msp') },
      { title: 'TEACHER SEG', image: segmentationImage(prediction, width, height) },
    ].map((p) => ({ ...p, image: enlarge(p.image, factor) })),
    { textScale: factor },
  );
  mkdirSync(dirname(path), { recursive: true });
  writePng(path, picture);
}
