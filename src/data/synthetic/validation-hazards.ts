// The hazard kinds of the validation split, for tuning: tables, cabinets,
// stacks of tyres, bundles of pipes, tents and handcarts, of the same range of
// sizes as the test kinds. The test split never shows these kinds.

import type { Random } from '../../base/random';
import { cylinderShade, segmentDistance, type HazardShape, type ShapeMaker } from './hazards';
import { chance, uniform } from './random';

/** A table: a slab on two pairs of legs, sometimes a bar between them. */
function table(rng: Random, size: number): HazardShape {
  const width = 0.7 + 1.8 * size;
  const height = uniform(rng, 0.7, 1.05) * (0.85 + 0.3 * size);
  const top = uniform(rng, 0.05, 0.1);
  const leg = uniform(rng, 0.05, 0.1);
  const inset = uniform(rng, 0.03, 0.12) * width;
  const bar = chance(rng, 0.5);
  return {
    width,
    height,
    footprint: width,
    sample(u, v, out) {
      const a = Math.abs(u);
      if (v > height - top) {
        out.shade = v > height - top * 0.3 ? 1.15 : 0.95;
        return true;
      }
      out.detail = true;
      out.shade = 0.85;
      return Math.abs(a - (width / 2 - inset)) < leg / 2 || (bar && Math.abs(v - height * 0.25) < 0.025 && a < width / 2 - inset);
    },
  };
}

/** A cabinet or wardrobe: doors or drawers with handles, on a plinth. */
function cabinet(rng: Random, size: number): HazardShape {
  const width = 0.5 + size;
  const height = (1 + 1.1 * size) * uniform(rng, 0.9, 1.1);
  const doors = width > 0.9 ? 2 : 1;
  const drawers = chance(rng, 0.4) ? 3 + rng.int(3) : 0;
  return {
    width,
    height,
    footprint: width,
    sample(u, v, out) {
      if (v < height * 0.06) {
        out.detail = true;
        out.shade = 0.6;
        return Math.abs(u) < width / 2 - 0.03;
      }
      const a = Math.abs(u);
      if (a > width / 2 - 0.03 || v > height - 0.04) {
        out.shade = 1.12;
        return true;
      }
      if (drawers > 0) {
        const f = ((v - height * 0.06) / (height * 0.94)) * drawers;
        out.shade = f % 1 < 0.03 ? 0.55 : 1;
        out.detail = a < 0.12 && Math.abs((f % 1) - 0.6) < 0.06;
        return true;
      }
      out.shade = doors === 2 && a < 0.012 ? 0.5 : 1;
      out.detail = Math.abs(a - (doors === 2 ? 0.06 : width / 2 - 0.1)) < 0.015 && Math.abs(v - height * 0.55) < height * 0.08;
      return true;
    },
  };
}

/** Tyres lying in a stack, each a rounded band with a tread, slightly askew. */
function tyres(rng: Random, size: number): HazardShape {
  const diameter = 0.55 + 0.5 * size;
  const thick = diameter * uniform(rng, 0.3, 0.4);
  const count = 2 + rng.int(5);
  const shifts = Array.from({ length: count }, () => uniform(rng, -0.06, 0.06) * diameter);
  return {
    width: diameter * 1.15,
    height: count * thick,
    footprint: diameter,
    sample(u, v, out) {
      const i = Math.floor(v / thick);
      if (i < 0 || i >= count) return false;
      const b = (v / thick - i) * 2 - 1;
      const x = Math.abs(u - shifts[i]!);
      const r = thick / 2;
      const dx = Math.max(0, x - (diameter / 2 - r));
      if (dx * dx + (b * r) ** 2 >= r * r) return false;
      out.shade = cylinderShade(b);
      out.detail = Math.abs(b) < 0.5 && (u / 0.07 - Math.floor(u / 0.07)) < 0.3;
      return true;
    },
  };
}

/** Pipes or beams lying across in a stack, rows of uneven length, with darker end caps. */
function pipes(rng: Random, size: number): HazardShape {
  const diameter = 0.15 + 0.35 * size;
  const rows = 1 + rng.int(4);
  const length = 1.5 + 2.5 * size;
  const spans = Array.from({ length: rows }, () => ({ centre: uniform(rng, -0.1, 0.1) * length, half: uniform(rng, 0.35, 0.5) * length }));
  const square = chance(rng, 0.3);
  return {
    width: length * 1.2,
    height: rows * diameter,
    footprint: length,
    sample(u, v, out) {
      const i = Math.floor(v / diameter);
      if (i < 0 || i >= rows) return false;
      const span = spans[i]!;
      const along = Math.abs(u - span.centre);
      if (along > span.half) return false;
      const t = (v / diameter - i) * 2 - 1;
      out.detail = span.half - along < diameter * 0.08;
      out.shade = square ? (t > 0.6 ? 1.1 : 0.9) : cylinderShade(t);
      return true;
    },
  };
}

/** A ridge tent: two sloping sides lit differently, a dark door, a pole tip. */
function tent(rng: Random, size: number): HazardShape {
  const width = 1 + 2.4 * size;
  const height = width * uniform(rng, 0.45, 0.75);
  const door = uniform(rng, 0.2, 0.35) * width;
  const tip = height * 0.08;
  const lit = chance(rng, 0.5) ? 1 : -1;
  return {
    width,
    height: height + tip,
    footprint: width,
    sample(u, v, out) {
      const slope = height * (1 - Math.abs(u) / (width / 2));
      if (v > slope) {
        out.detail = true;
        out.shade = 0.7;
        return Math.abs(u) < 0.02 && v < height + tip;
      }
      const inDoor = Math.abs(u) < (door / 2) * (1 - v / (height * 0.7));
      out.detail = inDoor;
      out.shade = inDoor ? 0.45 : u * lit > 0 ? 1.05 : 0.82;
      return true;
    },
  };
}

/** A handcart or wheelbarrow: a tapered tub, one wheel, handles reaching back. */
function cart(rng: Random, size: number): HazardShape {
  const width = 0.8 + 1.4 * size;
  const height = width * uniform(rng, 0.5, 0.7);
  const wheel = height * 0.28;
  const wheelX = uniform(rng, -0.25, 0.25) * width;
  const towards = chance(rng, 0.5) ? 1 : -1;
  return {
    width,
    height,
    footprint: width * 0.7,
    sample(u, v, out) {
      const wr = Math.hypot(u - wheelX, v - wheel);
      if (wr < wheel) {
        out.detail = true;
        out.shade = wr < wheel * 0.25 ? 1 : wr > wheel * 0.75 ? 0.45 : 0.75;
        return true;
      }
      const bottom = wheel * 1.5;
      const top = height * 0.8;
      const f = (v - bottom) / (top - bottom);
      if (f >= 0 && f <= 1 && Math.abs(u) < width * (0.28 + 0.14 * f)) {
        out.shade = f > 0.92 ? 1.15 : 0.8 + 0.2 * f;
        return true;
      }
      out.detail = true;
      out.shade = 0.8;
      return segmentDistance(u * towards, v, width * 0.3, top, width * 0.5, height) < 0.03 || segmentDistance(u * towards, v, -width * 0.2, bottom, -width * 0.25, 0) < 0.03;
    },
  };
}

export const VALIDATION_HAZARDS: readonly ShapeMaker[] = [table, cabinet, tyres, pipes, tent, cart];
