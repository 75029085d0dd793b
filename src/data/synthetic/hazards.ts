// The headline anomalies ("hazards"): objects of a shape no known class has,
// painted with the known classes' own materials (see materials.ts), so colour
// does not give them away. A kind is a shape family; the validation split and
// the test split draw from disjoint lists of kinds (validation-hazards.ts,
// test-hazards.ts), so that choices tuned on validation never saw a test kind.

import type { Random } from '../../base/random';
import { CLASS } from './classes';
import { drawMaterial } from './materials';
import { pick } from './random';
import type { Sprite } from './sprite';
import type { Street } from './street';

/** What a shape says about one of its points. */
export interface ShapeSample {
  /** Painted with the object's second material (frames, hoops, legs...) rather than its main one. */
  detail: boolean;
  /** Form shading (about 0.5..1.2): how the point's face turns to the light. */
  shade: number;
}

export interface HazardShape {
  /** Metres. */
  width: number;
  height: number;
  /** Width (m) of what touches the ground, for the shadow. */
  footprint: number;
  /** Whether (u, v) is part of the object (u metres from its centre, v above its bottom), and how it looks there. */
  sample(u: number, v: number, out: ShapeSample): boolean;
}

/** A shape of one kind; `size` in [0, 1) goes from the kind's smallest to its largest. */
export type ShapeMaker = (rng: Random, size: number) => HazardShape;

/** Shading across a cylinder seen side-on, t from -1 (one edge) to 1 (the other). */
export function cylinderShade(t: number): number {
  return 0.6 + 0.5 * Math.sqrt(Math.max(0, 1 - t * t));
}

/** Distance from (x, y) to the segment from (ax, ay) to (bx, by). */
export function segmentDistance(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
}

/** One hazard of a kind from `kinds`, standing at world (x, z). */
export function hazard(rng: Random, street: Street, kinds: readonly ShapeMaker[], x: number, z: number, size: number): Sprite {
  const shape = pick(rng, kinds)(rng, size);
  const { width, height } = shape;
  const main = drawMaterial(rng, street, width, height);
  const second = drawMaterial(rng, street, width, height);
  const at: ShapeSample = { detail: false, shade: 1 };
  return {
    x,
    z,
    lift: 0,
    width,
    height,
    shadow: 0.7,
    footprint: shape.footprint,
    paint(u, v, out, footprint) {
      at.detail = false;
      at.shade = 1;
      if (!shape.sample(u, v, at)) return false;
      (at.detail ? second : main)(u, v, footprint, out);
      out.cls = CLASS.anomaly;
      out.r *= at.shade;
      out.g *= at.shade;
      out.b *= at.shade;
      return true;
    },
  };
}
