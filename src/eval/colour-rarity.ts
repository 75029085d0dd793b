// Colour rarity: the control that any learned anomaly score must beat. It
// learns nothing but how often each colour occurs in the training images, and
// scores a pixel by how rare its colour is. Defined exactly, so that a twin in
// another language reproduces it:
//
//   image    8-bit RGB as stored in the PNG (no resizing, no normalisation)
//   bin      q = v >> 4 for each of r, g, b (16 levels);
//            bin = (qr * 16 + qg) * 16 + qb (4096 bins)
//   fit      count[bin] over every pixel of every training image; total = sum of counts
//   raw      raw(p) = -ln((count[bin(p)] + 1) / (total + 4096)), in float64
//   blur     separable Gaussian with sigma = width / 80 pixels (width of the
//            scored image), radius R = ceil(3 sigma), weights
//            w(d) = exp(-d^2 / (2 sigma^2)) for d = -R..R divided by their sum;
//            rows first, then columns; a tap outside the image reads the
//            nearest edge pixel (edges clamped); float64 throughout
//   score    the blurred map, stored as float32, row-major.

import type { RgbImage } from './rgb-image';

export const COLOUR_BINS = 4096;

/** The histogram bin of an 8-bit colour: 16 levels a channel. */
export function colourBin(r: number, g: number, b: number): number {
  return (((r >> 4) * 16 + (g >> 4)) << 4) + (b >> 4);
}

/** The Gaussian taps w(-R..R) for sigma, normalised to sum 1. */
export function gaussianTaps(sigma: number): Float64Array {
  const radius = Math.ceil(3 * sigma);
  const taps = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let d = -radius; d <= radius; d++) {
    taps[d + radius] = Math.exp(-(d * d) / (2 * sigma * sigma));
    sum += taps[d + radius]!;
  }
  for (let i = 0; i < taps.length; i++) taps[i]! /= sum;
  return taps;
}

/** Separable blur of a width x height map with the given taps, edges clamped: rows, then columns. */
export function blurClamped(map: Float64Array, width: number, height: number, taps: Float64Array): Float64Array {
  const radius = (taps.length - 1) / 2;
  const rows = new Float64Array(map.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let d = -radius; d <= radius; d++) sum += taps[d + radius]! * map[y * width + Math.min(width - 1, Math.max(0, x + d))]!;
      rows[y * width + x] = sum;
    }
  }
  const out = new Float64Array(map.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let d = -radius; d <= radius; d++) sum += taps[d + radius]! * rows[Math.min(height - 1, Math.max(0, y + d)) * width + x]!;
      out[y * width + x] = sum;
    }
  }
  return out;
}

export class ColourHistogram {
  readonly counts = new Float64Array(COLOUR_BINS);
  total = 0;

  /** Counts every pixel of a training image. */
  add(image: RgbImage): void {
    checkRgb(image);
    const { data } = image;
    for (let i = 0; i < data.length; i += 3) this.counts[colourBin(data[i]!, data[i + 1]!, data[i + 2]!)]! += 1;
    this.total += data.length / 3;
  }

  /** The blurred rarity map of an image, one score a pixel, higher = rarer colour. */
  score(image: RgbImage): Float32Array {
    checkRgb(image);
    const { width, height, data } = image;
    const rarity = new Float64Array(COLOUR_BINS);
    for (let bin = 0; bin < COLOUR_BINS; bin++) rarity[bin] = -Math.log((this.counts[bin]! + 1) / (this.total + COLOUR_BINS));
    const raw = new Float64Array(width * height);
    for (let p = 0; p < raw.length; p++) raw[p] = rarity[colourBin(data[3 * p]!, data[3 * p + 1]!, data[3 * p + 2]!)]!;
    return Float32Array.from(blurClamped(raw, width, height, gaussianTaps(width / 80)));
  }
}

function checkRgb(image: RgbImage): void {
  if (image.width < 1 || image.height < 1 || image.data.length !== image.width * image.height * 3) {
    throw new RangeError(`colour rarity: a ${image.width}x${image.height} RGB image needs ${image.width * image.height * 3} bytes, got ${image.data.length}`);
  }
}
