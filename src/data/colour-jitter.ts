// Photometric augmentation: a seeded change of exposure, contrast, colour
// saturation, white balance and tone curve per image, as a different camera
// or light would give. Distillation feeds the same jittered batch to the
// teacher and the student, so the student learns to follow the teacher across
// looks instead of learning one camera's look.

import type { Random } from '../base/random';
import { IMAGENET_MEAN, IMAGENET_STD } from './resize';

/** How far each change may go; every factor is drawn uniformly in [1 - amplitude, 1 + amplitude]. */
export interface ColourJitter {
  brightness: number;
  contrast: number;
  saturation: number;
  /** Per channel: a white-balance shift. */
  channelGain: number;
  /** Exponent of the tone curve v^gamma. */
  gamma: number;
}

export const COLOUR_JITTER: ColourJitter = { brightness: 0.4, contrast: 0.4, saturation: 0.5, channelGain: 0.15, gamma: 0.3 };

/** One image's draw. */
export interface ColourChange {
  brightness: number;
  contrast: number;
  saturation: number;
  gains: [number, number, number];
  gamma: number;
}

export function drawColourChange(rng: Random, j: ColourJitter): ColourChange {
  const factor = (amplitude: number) => 1 + amplitude * (2 * rng.next() - 1);
  return {
    brightness: factor(j.brightness),
    contrast: factor(j.contrast),
    saturation: factor(j.saturation),
    gains: [factor(j.channelGain), factor(j.channelGain), factor(j.channelGain)],
    gamma: factor(j.gamma),
  };
}

const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * Applies `change` to images[slot] (3 x plane, ImageNet-normalised as
 * resampleInto writes it): back to [0, 1], tone curve, white balance,
 * brightness, contrast about the image's mean grey, saturation about each
 * pixel's grey, clamped to [0, 1], normalised again.
 */
export function applyColourChange(images: Float32Array, slot: number, plane: number, change: ColourChange): void {
  const base = slot * 3 * plane;
  const rgb = new Float32Array(3 * plane);
  let greySum = 0;
  for (let p = 0; p < plane; p++) {
    let grey = 0;
    for (let c = 0; c < 3; c++) {
      const v = Math.min(1, Math.max(0, images[base + c * plane + p]! * IMAGENET_STD[c]! + IMAGENET_MEAN[c]!));
      const changed = change.brightness * change.gains[c]! * Math.pow(v, change.gamma);
      rgb[c * plane + p] = changed;
      grey += LUMA[c]! * changed;
    }
    greySum += grey;
  }
  const meanGrey = greySum / plane;
  for (let p = 0; p < plane; p++) {
    let grey = 0;
    for (let c = 0; c < 3; c++) {
      const v = meanGrey + change.contrast * (rgb[c * plane + p]! - meanGrey);
      rgb[c * plane + p] = v;
      grey += LUMA[c]! * v;
    }
    for (let c = 0; c < 3; c++) {
      const v = Math.min(1, Math.max(0, grey + change.saturation * (rgb[c * plane + p]! - grey)));
      images[base + c * plane + p] = (v - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
    }
  }
}
