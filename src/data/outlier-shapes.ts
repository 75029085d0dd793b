// Outlier exposure for distillation: procedural objects painted into training
// frames, their pixels labelled ANOMALY_LABEL, where the student is taught to
// disagree with the teacher. They are blobs of random outline, colour and
// texture, and the synthetic scenes' validation hazards (tables, cabinets,
// tyres, pipes, tents, carts: never their test kinds, so the synthetic test
// split stays unseen). None is a real object, so none of the real validation
// or test sets' objects can leak into training through them. Half of them
// take the colour statistics of the frame around them, so that the student
// cannot learn "unusual colour" as the cue.

import { ANOMALY_LABEL } from '../base/labels';
import type { Random } from '../base/random';
import { colourStats, fromOpponent, matchColours, toOpponent } from './paste/colour-match';
import { IMAGENET_MEAN, IMAGENET_STD } from './resize';
import type { HazardShape, ShapeSample } from './synthetic/hazards';
import { fbm } from './synthetic/noise';
import { pick } from './synthetic/random';
import { VALIDATION_HAZARDS } from './synthetic/validation-hazards';

export interface OutlierShapes {
  /** Chance that a training image gets one object. */
  probability: number;
  /** Chance that it is one of the synthetic scenes' validation hazards (a table, cabinet, tyres...) rather than a blob. */
  objectShare: number;
  /** The object's height as a share of the frame's, drawn uniformly. */
  heightRange: readonly [number, number];
  /** Chance that its colours are matched to the frame around it. */
  colourMatch: number;
}

export const OUTLIER_SHAPES: OutlierShapes = { probability: 0.5, objectShare: 0.5, heightRange: [0.12, 0.4], colourMatch: 0.5 };

/** Outline harmonics: the radius at angle t is r0 (1 + sum a_k cos(k t + phase_k)), k = 2..5. */
const HARMONICS = 4;
/** Pixels over which a blob's edge fades from the object into the frame. */
const EDGE = 1.5;
/** Samples per pixel side for a hazard's coverage. */
const SUPERSAMPLE = 3;

/** An object in frame pixels: the box that holds it, and per pixel centre its coverage in [0, 1] and its shading and detail flag. */
interface Outline {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Object coordinates of a frame point, about [-1, 1] across the object (for the texture). */
  local(x: number, y: number): [number, number];
  coverage(x: number, y: number, at: ShapeSample): number;
}

function box(width: number, height: number, left: number, top: number, right: number, bottom: number): Pick<Outline, 'x0' | 'y0' | 'x1' | 'y1'> {
  return { x0: Math.max(0, Math.floor(left)), y0: Math.max(0, Math.floor(top)), x1: Math.min(width, Math.ceil(right)), y1: Math.min(height, Math.ceil(bottom)) };
}

/** Where an object of this pixel size stands: its bottom in the lower part of the frame (where the road is), wholly inside it. */
function place(rng: Random, height: number, width: number, h: number, w: number): { left: number; bottom: number } {
  const bottom = Math.min(height, height * 0.55 + h / 2 + rng.next() * Math.max(0, height * 0.45 - h / 2));
  return { left: rng.next() * Math.max(0, width - w), bottom: Math.max(bottom, h) };
}

function blob(rng: Random, height: number, width: number, objectHeight: number): Outline {
  const ry = objectHeight / 2;
  const rx = Math.min(width / 2, ry * (0.5 + 1.5 * rng.next()));
  const { left, bottom } = place(rng, height, width, 2 * ry, 2 * rx);
  const [cx, cy] = [left + rx, bottom - ry];
  const amplitudes = Array.from({ length: HARMONICS }, () => 0.25 * rng.next() ** 2);
  const phases = Array.from({ length: HARMONICS }, () => 2 * Math.PI * rng.next());
  const margin = 1.3;
  return {
    ...box(width, height, cx - margin * rx - EDGE, cy - margin * ry - EDGE, cx + margin * rx + EDGE, cy + margin * ry + EDGE),
    local: (x, y) => [(x - cx) / rx, (y - cy) / ry],
    coverage(x, y, at) {
      const u = (x - cx) / rx;
      const v = (y - cy) / ry;
      const angle = Math.atan2(v, u);
      let radius = 1;
      for (let k = 0; k < HARMONICS; k++) radius += amplitudes[k]! * Math.cos((k + 2) * angle + phases[k]!);
      // Lit from above.
      at.shade = 0.85 - 0.15 * v;
      at.detail = false;
      return Math.min(1, Math.max(0, 0.5 + ((radius - Math.hypot(u, v)) * Math.min(rx, ry)) / EDGE));
    },
  };
}

function hazardOutline(rng: Random, height: number, width: number, objectHeight: number): Outline {
  const shape: HazardShape = pick(rng, VALIDATION_HAZARDS)(rng, rng.next());
  const metre = Math.min(objectHeight / shape.height, (0.8 * width) / shape.width);
  const [h, w] = [shape.height * metre, shape.width * metre];
  const { left, bottom } = place(rng, height, width, h, w);
  const centre = left + w / 2;
  const sample: ShapeSample = { detail: false, shade: 1 };
  return {
    ...box(width, height, left, bottom - h, left + w, bottom),
    local: (x, y) => [(2 * (x - centre)) / h, (2 * (y - bottom)) / h + 1],
    coverage(x, y, at) {
      let inside = 0;
      for (let i = 0; i < SUPERSAMPLE; i++) {
        for (let j = 0; j < SUPERSAMPLE; j++) {
          const u = (x - 0.5 + (j + 0.5) / SUPERSAMPLE - centre) / metre;
          const v = (bottom - (y - 0.5 + (i + 0.5) / SUPERSAMPLE)) / metre;
          if (shape.sample(u, v, sample)) inside++;
        }
      }
      at.shade = 1;
      at.detail = false;
      shape.sample((x - centre) / metre, (bottom - y) / metre, at);
      return inside / SUPERSAMPLE ** 2;
    },
  };
}

/** The object's own colour in [0, 1] RGB: two colours (the second on details and stripes), a fractal texture, the outline's shading. */
function texture(rng: Random, o: Outline): (x: number, y: number, at: ShapeSample, out: number[]) => void {
  const base = [rng.next(), rng.next(), rng.next()];
  const second = [rng.next(), rng.next(), rng.next()];
  const seed = rng.nextUint32();
  const grain = 2 + 6 * rng.next();
  const stripes = rng.next() < 0.3 ? 2 + 5 * rng.next() : 0;
  const angle = Math.PI * rng.next();
  return (x, y, at, out) => {
    const [u, v] = o.local(x, y);
    const noise = fbm(u * grain, v * grain, seed, 4);
    const band = at.detail || (stripes > 0 && Math.sin((u * Math.cos(angle) + v * Math.sin(angle)) * stripes * Math.PI) > 0);
    const shade = at.shade + 0.3 * (noise - 0.5);
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
  const objectHeight = height * (shapes.heightRange[0] + rng.next() * (shapes.heightRange[1] - shapes.heightRange[0]));
  const outline = (rng.next() < shapes.objectShare ? hazardOutline : blob)(rng, height, width, objectHeight);
  const colourOf = texture(rng, outline);
  const match = rng.next() < shapes.colourMatch;
  if (!paint) return;
  const plane = height * width;
  const { x0, y0, x1, y1 } = outline;
  const boxW = x1 - x0;
  const count = Math.max(0, boxW * (y1 - y0));
  const alpha = new Float32Array(count);
  const object = new Float32Array(3 * count);
  const frame = new Float32Array(3 * count);
  const rgb = [0, 0, 0];
  const at: ShapeSample = { detail: false, shade: 1 };
  for (let i = 0; i < count; i++) {
    const x = x0 + (i % boxW) + 0.5;
    const y = y0 + Math.floor(i / boxW) + 0.5;
    alpha[i] = outline.coverage(x, y, at);
    colourOf(x, y, at, rgb);
    toOpponent(rgb[0]!, rgb[1]!, rgb[2]!, object, 3 * i);
    const p = slot * 3 * plane + Math.floor(y) * width + Math.floor(x);
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
