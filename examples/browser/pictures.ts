// Pictures in and out of the page: a dropped or picked file decoded to RGB, the
// embedded test scenes, and RGB pictures drawn on canvases.

import { batchImage, overlay, renderScene, rgbaToRgb, rgbToRgba, scoreHeatmap, segmentationImage, type ModelConfig, type RgbPixels } from '../../src/index.browser';
import type { Inference } from './models';

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

/** The four panels of a result: the model's input, the DiCNet heatmap over it, the teacher's segmentation, the MSP map over it. */
export function resultPanels(result: Inference): Record<'image' | 'dicnet' | 'segmentation' | 'msp', RgbPixels> {
  const { height, width } = result.input;
  const image = batchImage(result.input, 0);
  return {
    image,
    dicnet: overlay(image, scoreHeatmap(result.scores.scores.dicnetMse, width, height), 0.7),
    segmentation: segmentationImage(result.scores.prediction, width, height),
    msp: overlay(image, scoreHeatmap(result.scores.scores.msp, width, height), 0.7),
  };
}

