// A picture of any size as the model's input and back: the whole picture
// resampled to the input size (the same resampling and ImageNet normalisation
// as training), and a normalised input as 8-bit RGB for display. Pure: browsers
// and Node share it, so both feed the network identical numbers.

import { INPUT_STEP, type Batch } from '../base/batch';
import { IGNORE_LABEL } from '../base/labels';
import { IMAGENET_MEAN, IMAGENET_STD, resampleInto } from './resize';

export interface RgbPixels {
  width: number;
  height: number;
  /** 8-bit RGB interleaved, row-major. */
  data: Uint8Array;
}

/**
 * The size a picture from outside the training data is scored at: the networks'
 * input width, and the height its own aspect gives, to a multiple of the
 * output stride (at least two steps). Squashing a 16:9 photo into 4:3 frames
 * shows the networks shapes training never did; keeping the aspect raised
 * DiCNet's AUROC on RoadAnomaly in each of the seven CamVid networks tried
 * (docs/experiments.md, "Photos keep their aspect").
 */
export function keptAspectSize(pictureWidth: number, pictureHeight: number, input: { height: number; width: number }): { height: number; width: number } {
  if (!(pictureWidth >= 1 && pictureHeight >= 1)) throw new RangeError(`a picture of ${pictureWidth}x${pictureHeight} pixels has no aspect`);
  const height = Math.max(2 * INPUT_STEP, Math.round((input.width * pictureHeight) / pictureWidth / INPUT_STEP) * INPUT_STEP);
  return { height, width: input.width };
}

/** A photo from outside the training data as the networks' input: modelInput at keptAspectSize. */
export function keptAspectInput(picture: RgbPixels, input: { height: number; width: number }): Batch {
  const { height, width } = keptAspectSize(picture.width, picture.height, input);
  return modelInput(picture, height, width);
}

/** One picture, resized (not cropped) to height x width, as a batch of one (labels all IGNORE_LABEL: a picture comes without). */
export function modelInput(picture: RgbPixels, height: number, width: number): Batch {
  if (picture.width < 1 || picture.height < 1) throw new RangeError(`a picture of ${picture.width}x${picture.height} pixels has nothing to resize`);
  if (picture.data.length !== picture.width * picture.height * 3) {
    throw new RangeError(`a ${picture.width}x${picture.height} RGB picture needs ${picture.width * picture.height * 3} bytes, got ${picture.data.length}`);
  }
  const images = new Float32Array(3 * height * width);
  const labels = new Int32Array(height * width);
  const source = { width: picture.width, height: picture.height, image: picture.data, labels: new Uint8Array(picture.width * picture.height).fill(IGNORE_LABEL) };
  resampleInto(source, { x: 0, y: 0, width: picture.width, height: picture.height, flip: false }, images, labels, 0, height, width);
  return { images, labels, size: 1, height, width };
}

/** The i-th image of a batch back in 8-bit RGB (undoing the ImageNet normalisation). */
export function batchImage(batch: Pick<Batch, 'images' | 'height' | 'width'>, i: number): RgbPixels {
  const plane = batch.height * batch.width;
  const data = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const src = batch.images.subarray((i * 3 + c) * plane, (i * 3 + c + 1) * plane);
    for (let p = 0; p < plane; p++) data[p * 3 + c] = Math.max(0, Math.min(255, Math.round((src[p]! * IMAGENET_STD[c]! + IMAGENET_MEAN[c]!) * 255)));
  }
  return { width: batch.width, height: batch.height, data };
}

/** RGBA pixels (a canvas's ImageData) as RGB, dropping alpha. */
export function rgbaToRgb(width: number, height: number, rgba: ArrayLike<number>): RgbPixels {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    data[p * 3] = rgba[p * 4]!;
    data[p * 3 + 1] = rgba[p * 4 + 1]!;
    data[p * 3 + 2] = rgba[p * 4 + 2]!;
  }
  return { width, height, data };
}

/** RGB pixels as RGBA with full opacity (for a canvas's ImageData). */
export function rgbToRgba(picture: RgbPixels): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(picture.width * picture.height * 4);
  for (let p = 0; p < picture.width * picture.height; p++) {
    out[p * 4] = picture.data[p * 3]!;
    out[p * 4 + 1] = picture.data[p * 3 + 1]!;
    out[p * 4 + 2] = picture.data[p * 3 + 2]!;
    out[p * 4 + 3] = 255;
  }
  return out;
}
