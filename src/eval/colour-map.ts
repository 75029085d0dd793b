// Colours for the figures: a perceptual inferno-like ramp for scores, and
// class ids through the palette of the dataset's class table.

import { ANOMALY_LABEL, type Rgb } from '../base/labels';

export type { Rgb };

/** matplotlib's inferno sampled at 0, 0.1, ..., 1; linear in between. */
const INFERNO_STOPS: readonly Rgb[] = [
  [0x00, 0x00, 0x04],
  [0x16, 0x0b, 0x39],
  [0x42, 0x0a, 0x68],
  [0x6a, 0x17, 0x6e],
  [0x93, 0x26, 0x67],
  [0xbc, 0x37, 0x54],
  [0xdd, 0x51, 0x3a],
  [0xf3, 0x78, 0x19],
  [0xfc, 0xa5, 0x0a],
  [0xf6, 0xd7, 0x46],
  [0xfc, 0xff, 0xa4],
];

/** 256 RGB triples, index = round(255 * t). */
export const INFERNO_LUT: Uint8Array = buildLut(INFERNO_STOPS);

function buildLut(stops: readonly Rgb[]): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  const segments = stops.length - 1;
  for (let i = 0; i < 256; i++) {
    const position = (i / 255) * segments;
    const lower = Math.min(Math.floor(position), segments - 1);
    const fraction = position - lower;
    for (let channel = 0; channel < 3; channel++) {
      const a = stops[lower]![channel]!;
      const b = stops[lower + 1]![channel]!;
      lut[i * 3 + channel] = Math.round(a + (b - a) * fraction);
    }
  }
  return lut;
}

/** Colour of t in [0, 1] (clamped; NaN maps to 0). */
export function inferno(t: number): Rgb {
  const index = Number.isNaN(t) ? 0 : Math.round(255 * Math.min(1, Math.max(0, t)));
  return [INFERNO_LUT[index * 3]!, INFERNO_LUT[index * 3 + 1]!, INFERNO_LUT[index * 3 + 2]!];
}

/** Anomaly pixels in ground-truth pictures: a colour no class table here uses. */
export const ANOMALY_COLOUR: Rgb = [60, 250, 240];

/** Ignore pixels, and any label outside the palette. */
export const IGNORE_COLOUR: Rgb = [255, 255, 255];

/** A label's colour in the dataset's palette (`colours`, index = class). */
export function labelColour(label: number, colours: readonly Rgb[]): Rgb {
  if (label === ANOMALY_LABEL) return ANOMALY_COLOUR;
  return colours[label] ?? IGNORE_COLOUR;
}
