// A picture per test image, for a person to look at: the image, the ground
// truth anomaly mask, the DiCNet score map, the MSP and colour-rarity score
// maps and the teacher's segmentation, side by side.

import type { Batch } from '../base/batch';
import type { Rgb } from '../base/labels';
import { encodePng } from '../data/png';
import { batchImage } from '../data/image-input';
import { anomalyMask, composePanels, maskImage, overlay, scoreHeatmap, segmentationImage, type RgbImage } from '../eval';
import { writeOutputFile } from './output-files';

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

export interface PanelMaps {
  /** The run's headline DiCNet score and its name. */
  dicnet: { title: string; scores: Float32Array };
  msp: Float32Array;
  /** Null where the control is left out (no train split to fit it on). */
  colourRarity: Float32Array | null;
  /** The teacher's class per pixel, drawn in the dataset's colours. */
  prediction: Int32Array;
  colours: readonly Rgb[];
}

/** Image `i` of the batch beside its ground truth, the score maps (one image each) and the teacher's segmentation. */
export function writePanels(path: string, batch: Batch, i: number, maps: PanelMaps): void {
  const { width, height } = batch;
  const plane = width * height;
  const labels = batch.labels.subarray(i * plane, (i + 1) * plane);
  const image = batchImage(batch, i);
  const heat = (scores: Float32Array): RgbImage => overlay(image, scoreHeatmap(scores, width, height), 0.7);
  const factor = width < 320 ? 2 : 1;
  const picture = composePanels(
    [
      { title: 'IMAGE', image },
      { title: 'GT ANOMALY', image: maskImage(anomalyMask(labels), width, height) },
      { title: maps.dicnet.title.toUpperCase(), image: heat(maps.dicnet.scores) },
      { title: 'MSP', image: heat(maps.msp) },
      ...(maps.colourRarity ? [{ title: 'COLOUR RARITY', image: heat(maps.colourRarity) }] : []),
      { title: 'TEACHER SEG', image: segmentationImage(maps.prediction, width, height, maps.colours) },
    ].map((p) => ({ ...p, image: enlarge(p.image, factor) })),
    { textScale: factor },
  );
  writeOutputFile(path, encodePng(picture, path));
}
