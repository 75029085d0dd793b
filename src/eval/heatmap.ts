// Renderers from per-pixel values to RGB pictures: score heatmaps, class maps,
// binary masks, and a heatmap blended over the input image. Pure functions on
// typed arrays; the caller writes the PNG.

import { ANOMALY_LABEL } from '../base/labels';
import { INFERNO_LUT, labelColour, type Rgb } from './colour-map';
import type { LabelArray } from './labels';
import { checkPixelCount, createRgbImage, type RgbImage } from './rgb-image';

export interface ValueRange {
  readonly min: number;
  readonly max: number;
}

/** Smallest and largest finite value; {0, 0} when there is none. */
export function finiteRange(values: ArrayLike<number>): ValueRange {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min > max ? { min: 0, max: 0 } : { min, max };
}

/**
 * Scores through the inferno ramp, normalised to range (default: this panel's own
 * finite min..max). Values outside the range clamp; NaN and a flat panel map to
 * the darkest colour.
 */
export function scoreHeatmap(scores: ArrayLike<number>, width: number, height: number, range = finiteRange(scores)): RgbImage {
  checkPixelCount('scores', scores.length, width, height);
  const image = createRgbImage(width, height);
  const span = range.max - range.min;
  const scale = span > 0 ? 255 / span : 0;
  for (let i = 0; i < scores.length; i++) {
    const level = (scores[i]! - range.min) * scale;
    const index = level >= 255 ? 255 : level > 0 ? Math.round(level) : 0;
    image.data[i * 3] = INFERNO_LUT[index * 3]!;
    image.data[i * 3 + 1] = INFERNO_LUT[index * 3 + 1]!;
    image.data[i * 3 + 2] = INFERNO_LUT[index * 3 + 2]!;
  }
  return image;
}

/** Class ids through the dataset's palette (ignore and unknown ids white). */
export function segmentationImage(labels: LabelArray, width: number, height: number, colours: readonly Rgb[]): RgbImage {
  checkPixelCount('labels', labels.length, width, height);
  const image = createRgbImage(width, height);
  for (let i = 0; i < labels.length; i++) image.data.set(labelColour(labels[i]!, colours), i * 3);
  return image;
}

/** Non-zero mask entries in `on`, the rest in `off`. */
export function maskImage(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  on: Rgb = [255, 255, 255],
  off: Rgb = [0, 0, 0],
): RgbImage {
  checkPixelCount('mask', mask.length, width, height);
  const image = createRgbImage(width, height);
  for (let i = 0; i < mask.length; i++) image.data.set(mask[i] ? on : off, i * 3);
  return image;
}

/** The ground-truth anomaly mask: 1 where the label is the anomaly class. */
export function anomalyMask(labels: LabelArray): Uint8Array {
  const mask = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) mask[i] = labels[i] === ANOMALY_LABEL ? 1 : 0;
  return mask;
}

/** 1 where score >= threshold: the pixels a detector flags at that threshold. */
export function thresholdMask(scores: ArrayLike<number>, threshold: number): Uint8Array {
  const mask = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) mask[i] = scores[i]! >= threshold ? 1 : 0;
  return mask;
}

/**
 * top blended over base: (1 - a) * base + a * top, with a one opacity for the whole
 * picture or one per pixel (e.g. the normalised score, so that calm pixels keep
 * the photo).
 */
export function overlay(base: RgbImage, top: RgbImage, alpha: number | ArrayLike<number> = 0.5): RgbImage {
  if (base.width !== top.width || base.height !== top.height) {
    throw new RangeError(`overlay of a ${top.width}x${top.height} picture on a ${base.width}x${base.height} one`);
  }
  const pixels = base.width * base.height;
  if (typeof alpha !== 'number') checkPixelCount('alpha', alpha.length, base.width, base.height);
  const image = createRgbImage(base.width, base.height);
  for (let i = 0; i < pixels; i++) {
    const raw = typeof alpha === 'number' ? alpha : alpha[i]!;
    const a = raw > 0 ? Math.min(1, raw) : 0;
    for (let channel = i * 3; channel < i * 3 + 3; channel++) {
      image.data[channel] = Math.round((1 - a) * base.data[channel]! + a * top.data[channel]!);
    }
  }
  return image;
}
