// Pictures in and out of the page: a dropped or picked file decoded to RGB, the
// embedded test scenes, and RGB pictures drawn on canvases.

import {
  batchImage,
  finiteRange,
  overlay,
  renderScene,
  rgbaToRgb,
  rgbToRgba,
  scoreHeatmap,
  segmentationImage,
  thresholdMask,
  type ModelConfig,
  type Rgb,
  type RgbPixels,
  type ValueRange,
} from '../../src/index.browser';
import type { Inference, OutlinedScore } from './models';

/** Cyan: no colour of the inferno ramp blended over a photo comes out as it. */
export const OUTLINE_COLOUR: Rgb = [0, 255, 255];

/** Pictures larger than this on a side are scaled down while decoding (the model sees 160x96). */
const maxDecodedSide = 2048;

export class NotAnImageError extends Error {
  override name = 'NotAnImageError';
}

export async function decodePicture(file: Blob, name: string): Promise<RgbPixels> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new NotAnImageError(`"${name}" is not an image this browser can decode (type: ${file.type || 'unknown'}); try a PNG, JPEG or WebP file`);
  }
  const scale = Math.min(1, maxDecodedSide / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return rgbaToRgb(width, height, context.getImageData(0, 0, width, height).data);
}

/** Seeds of the embedded scenes: test scenes (with anomalies) to score, training scenes (without) to distil on. */
export const testSceneSeeds = [101, 102, 103, 104];
export const trainSceneSeeds = [2001, 2002, 2003, 2004];

export interface EmbeddedScene {
  name: string;
  seed: number;
  picture: RgbPixels;
}

/** Test scenes (with anomalies) drawn by the synthetic street generator at the model's input size. */
export function testScenes(config: ModelConfig, seeds: readonly number[]): EmbeddedScene[] {
  return seeds.map((seed, i) => ({ name: `scene ${i + 1}`, seed, picture: scenePicture(config, seed, true) }));
}

/** A scene without anomalies (what the student is distilled on). */
export function scenePicture(config: ModelConfig, seed: number, withAnomalies: boolean): RgbPixels {
  const scene = renderScene(seed, config.inputWidth, config.inputHeight, withAnomalies ? 'test' : null);
  return { width: scene.width, height: scene.height, data: scene.image };
}

export function drawPicture(canvas: HTMLCanvasElement, picture: RgbPixels): void {
  canvas.width = picture.width;
  canvas.height = picture.height;
  canvas.getContext('2d')!.putImageData(new ImageData(rgbToRgba(picture), picture.width, picture.height), 0, 0);
}

export type DicnetScore = Extract<OutlinedScore, 'dicnetKl' | 'dicnetMse'>;

export interface PanelOptions {
  /** Which DiCNet score the heatmap shows. */
  dicnet: DicnetScore;
  /** Outline pixels at or above these thresholds (a map without one is not outlined). */
  outline: Partial<Record<OutlinedScore, number>> | null;
}

export interface ResultPanels {
  pictures: Record<'image' | 'dicnet' | 'segmentation' | 'msp', RgbPixels>;
  /** Each heatmap's colours span its own scores' range. */
  ranges: Record<'dicnet' | 'msp', ValueRange>;
  /** Pixels outlined on each heatmap (0 when it is not outlined). */
  outlined: Record<'dicnet' | 'msp', number>;
}

/** The four panels of a result: the model's input, the DiCNet heatmap over it, the teacher's segmentation, the MSP map over it. */
export function resultPanels(result: Inference, options: PanelOptions & { colours: readonly Rgb[] }): ResultPanels {
  const { height, width } = result.input;
  const image = batchImage(result.input, 0);
  const heat = (score: OutlinedScore) => {
    const scores = result.scores.scores[score];
    const range = finiteRange(scores);
    const picture = overlay(image, scoreHeatmap(scores, width, height, range), 0.7);
    const threshold = options.outline?.[score];
    return { picture, range, outlined: threshold === undefined ? 0 : outline(picture, thresholdMask(scores, threshold)) };
  };
  const dicnet = heat(options.dicnet);
  const msp = heat('msp');
  return {
    pictures: { image, dicnet: dicnet.picture, segmentation: segmentationImage(result.scores.prediction, width, height, options.colours), msp: msp.picture },
    ranges: { dicnet: dicnet.range, msp: msp.range },
    outlined: { dicnet: dicnet.outlined, msp: msp.outlined },
  };
}

/**
 * Paints the boundary of a mask (its pixels with a 4-neighbour outside it) in
 * OUTLINE_COLOUR; the count painted. The picture's edge is no boundary: a region
 * that runs off the picture stays open there rather than getting a frame.
 */
function outline(picture: RgbPixels, mask: Uint8Array): number {
  const { width, height, data } = picture;
  const outside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] !== 1;
  let painted = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] !== 1 || !(outside(x - 1, y) || outside(x + 1, y) || outside(x, y - 1) || outside(x, y + 1))) continue;
      data.set(OUTLINE_COLOUR, (y * width + x) * 3);
      painted++;
    }
  }
  return painted;
}
