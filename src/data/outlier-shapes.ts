// Outlier exposure for distillation: procedural objects painted into training
// frames, their pixels labelled ANOMALY_LABEL, where the student is taught to
// disagree with the teacher. They are blobs of random outline, colour and
// texture: no real object, so none of the validation or test sets' objects
// can leak into training through them. Half of them take the colour
// statistics of the frame around them, so that the student cannot learn
// "unusual colour" as the cue.

import { ANOMALY_LABEL } from '../base/labels';
import type { Random } from '../base/random';
import { colourStats, fromOpponent, matchColours, toOpponent } from './paste/colour-match';
import { IMAGENET_MEAN, IMAGENET_STD } from './resize';
import { fbm } from './synthetic/noise';

export interface OutlierShapes {
  /** Chance that a training image gets one object. */
  probability: number;
  /** The object's height as a share of the frame's, drawn uniformly. */
  heightRange: readonly [number, number];
  /** Chance that its colours are matched to the frame around it. */
  colourMatch: number;
}

export const OUTLIER_SHAPES: OutlierShapes = { probability: 0.5, heightRange: [0.12, 0.4], colourMatch: 0.5 };

/** Outline harmonics: the radius at angle t is r0 (1 + sum a_k cos(k t + phase_k)), k = 2..5. */
const HARMONICS = 4;
/** Pixels over which the edge fades from the object into the frame. */
const EDGE = 1.5;

interface Blob {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  amplitudes: number[];
  phases: number[];
}

function drawBlob(rng: Random, height: number, width: number, range: OutlierShapes['heightRange']): Blob {
  const ry = (height * (range[0] + rng.next() * (range[1] - range[0]))) / 2;
  const rx = ry * (0.5 + 1.5 * rng.next());
  // Standing in the lower part of the frame, where the road is, wholly inside it.
  const cy = Math.min(height - ry, height * 0.45 + ry + rng.next() * Math.max(0, height * 0.55 - 2 * ry));
  const cx = rx + rng.next() * Math.max(0, width - 2 * rx);
  const amplitudes = Array.from({ length: HARMONICS }, () => 0.25 * rng.next() ** 2);
  const phases = Array.from({ length: HARMONICS }, () => 2 * Math.PI * rng.next());
  return { cx, cy, rx, ry, amplitudes, phases };
}

/** Coverage of a pixel by the blob, in [0, 1], from its distance to the outline along the ray. */
function coverage(b: Blob, x: number, y: number): number {
  const u = (x - b.cx) / b.rx;
  const v = (y - b.cy) / b.ry;
  const angle = Math.atan2(v, u);
  let radius = 1;
  for (let k = 0; k < HARMONICS; k++) radius += b.amplitudes[k]! * Math.cos((k + 2) * angle + b.phases[k]!);
  const inside = (radius - Math.hypot(u, v)) * Math.min(b.rx, b.ry);
  return Math.min(1, Math.max(0, 0.5 + inside / EDGE));
}

/** The object's own colour at (x, y) in [0, 1] RGB: a hue, shading from the top, a fractal texture, sometimes stripes. */
function texture(rng: Random, b: Blob): (x: number, y: number, out: number[]) => void {
  const base = [rng.next(), rng.next(), rng.next()];
  const second = [rng.next(), rng.next(), rng.next()];
  const seed = rng.nextUint32();
  const grain = 2 + 6 * rng.next();
  const stripes = rng.next() < 0.3 ? 2 + 5 * rng.next() : 0;
  const angle = Math.PI * rng.next();
  return (x, y, out) => {
    const u = (x - b.cx) / b.rx;
    const v = (y - b.cy) / b.ry;
    const noise = fbm(u * grain, v * grain, seed, 4);
    const band = stripes > 0 && Math.sin((u * Math.cos(angle) + v * Math.sin(angle)) * stripes * Math.PI) > 0 ? 1 : 0;
    const shade = 0.75 + 0.25 * (1 - v) * 0.5 + 0.3 * (noise - 0.5);
    for (let c = 0; c < 3; c++) out[c] = Math.min(1, Math.max(0, shade * (band ? second[c]! : base[c]!)));
  };
}

/**
 * Paints one object into images[slot] (3 x height x width, ImageNet-normalised)
 * and labels[slot] (ANOMALY_LABEL where it covers at least half a pixel), or
 * nothing, as `shapes.probability` draws. Draws from `rng` either way.
 */
export function paintOutlier(rng: Random, shapes: OutlierShapes, images: Float32Array, labels: Int32Array, slot: number, height: number, width: number): void {
  const paint = rng.next() < shapes.probability;
  const blob = drawBlob(rng, height, width, shapes.heightRange);
  const colourOf = texture(rng, blob);
  const match = rng.next() < shapes.colourMatch;
  if (!paint) return;
  const plane = height * width;
  const x0 = Math.max(0, Math.floor(blob.cx - 1.3 * blob.rx - EDGE));
  const x1 = Math.min(width, Math.ceil(blob.cx + 1.3 * blob.rx + EDGE));
  const y0 = Math.max(0, Math.floor(blob.cy - 1.3 * blob.ry - EDGE));
  const y1 = Math.min(height, Math.ceil(blob.cy + 1.3 * blob.ry + EDGE));
  const boxW = x1 - x0;
  const count = boxW * (y1 - y0);
  const alpha = new Float32Array(count);
  const object = new Float32Array(3 * count);
  const frame = new Float32Array(3 * count);
  const rgb = [0, 0, 0];
  for (let i = 0; i < count; i++) {
    const x = x0 + (i % boxW);
    const y = y0 + Math.floor(i / boxW);
    alpha[i] = coverage(blob, x + 0.5, y + 0.5);
    colourOf(x + 0.5, y + 0.5, rgb);
    toOpponent(rgb[0]!, rgb[1]!, rgb[2]!, object, 3 * i);
    const p = slot * 3 * plane + y * width + x;
    for (let c = 0; c < 3; c++) rgb[c] = images[p + c * plane]! * IMAGENET_STD[c]! + IMAGENET_MEAN[c]!;
    toOpponent(rgb[0]!, rgb[1]!, rgb[2]!, frame, 3 * i);
  }
  if (match) matchColours(object, colourStats(object, alpha), colourStats(frame, alpha.map((a) => 1 - a)));
  for (let i = 0; i < count; i++) {
    const a = alpha[i]!;
    if (a === 0) continue;
    const x = x0 + (i % boxW);
    const y = y0 + Math.floor(i / boxW);
    fromOpponent(object[3 * i]!, object[3 * i + 1]!, object[3 * i + 2]!, rgb);
    const p = slot * 3 * plane + y * width + x;
    for (let c = 0; c < 3; c++) {
      const painted = (Math.min(1, Math.max(0, rgb[c]!)) - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
      images[p + c * plane] = a * painted + (1 - a) * images[p + c * plane]!;
    }
    if (a >= 0.5) labels[slot * plane + y * width + x] = ANOMALY_LABEL;
  }
}
