// The hazard kinds of the test split (the headline anomalies): animals, rocks,
// rubble heaps, stacked crates, barrels, sofas and fallen logs, from knee-high
// to the size of a car. The validation split never shows these kinds.

import type { Random } from '../../base/random';
import { cylinderShade, segmentDistance, type HazardShape, type ShapeMaker } from './hazards';
import { hash2, valueNoise } from './noise';
import { chance, uniform } from './random';

/** A four-legged animal side-on, from a dog to a cow; some spotted. */
function animal(rng: Random, size: number): HazardShape {
  const length = 0.6 + 2 * size;
  const legs = length * uniform(rng, 0.3, 0.45);
  const body = length * uniform(rng, 0.26, 0.36);
  const facing = chance(rng, 0.5) ? 1 : -1;
  const headY = legs + body + length * uniform(rng, 0.05, 0.3);
  const headR = length * uniform(rng, 0.08, 0.12);
  const headX = length * 0.48;
  const lean = uniform(rng, -0.25, 0.25);
  const spotted = chance(rng, 0.35);
  const seed = rng.nextUint32();
  const half = headX + headR * 1.4;
  return {
    width: 2 * half,
    height: headY + headR,
    footprint: length * 0.8,
    sample(u, v, out) {
      const x = u * facing;
      const t = (v - legs - body / 2) / (body / 2);
      const inBody = (x / (0.38 * length)) ** 2 + t * t < 1;
      const inHead = ((x - headX) / (headR * 1.35)) ** 2 + ((v - headY) / (headR * 0.8)) ** 2 < 1;
      const inNeck = segmentDistance(x, v, length * 0.28, legs + body * 0.6, headX - headR * 0.5, headY) < length * 0.06;
      const inTail = segmentDistance(x, v, -length * 0.36, legs + body * 0.75, -length * 0.46, legs + body * 0.1) < length * 0.015;
      const legX = [-0.3, -0.2, 0.2, 0.3].find((l) => Math.abs(x - l * length - lean * (legs - v) * (l > 0 ? 1 : -1) * 0.3) < length * 0.035);
      const inLeg = v < legs + body * 0.3 && legX !== undefined;
      if (!(inBody || inHead || inNeck || inTail || inLeg)) return false;
      out.detail = (inLeg && v < legs * 0.12) || (spotted && inBody && valueNoise(x * 4 / length + 3, v * 4 / length, seed) > 0.62);
      out.shade = inBody ? 0.8 + 0.3 * Math.max(0, t) : inHead ? 0.95 : 0.8;
      return true;
    },
  };
}

/** A boulder with a lumpy outline and faceted faces. */
function rock(rng: Random, size: number): HazardShape {
  const width = 0.3 + 1.9 * size;
  const height = width * uniform(rng, 0.45, 0.8);
  const seed = rng.nextUint32();
  const facet = width / uniform(rng, 2, 4);
  return {
    width,
    height,
    footprint: width,
    sample(u, v, out) {
      const x = u / (width / 2);
      const y = (v - height * 0.45) / (height * 0.55);
      const r = Math.hypot(x, y);
      const angle = Math.atan2(y, x);
      // Noise on the unit circle: no seam where the angle wraps.
      const outline = 0.78 + 0.22 * valueNoise(Math.cos(angle) * 1.7 + 9, Math.sin(angle) * 1.7 + 9, seed);
      if (v < 0 || r >= outline) return false;
      out.shade = 0.75 + 0.2 * y - 0.1 * x + 0.15 * (hash2(Math.floor(u / facet + 99), Math.floor(v / facet), seed) - 0.5);
      out.detail = Math.abs(valueNoise(u * 3, v * 3, seed + 1) - 0.5) < 0.03;
      return true;
    },
  };
}

/** A heap of rubble: chunks of two materials with planks sticking out. */
function rubble(rng: Random, size: number): HazardShape {
  const width = 1 + 3.5 * size;
  const height = width * uniform(rng, 0.22, 0.4);
  const chunk = Math.min(uniform(rng, 0.12, 0.35), height / 2);
  const seed = rng.nextUint32();
  const planks = Array.from({ length: 1 + rng.int(4) }, () => ({
    x: uniform(rng, -0.35, 0.35) * width,
    y: uniform(rng, 0.3, 0.7) * height,
    length: uniform(rng, 0.2, 0.45) * width,
    thick: uniform(rng, 0.04, 0.1),
    angle: uniform(rng, -0.6, 0.6),
  }));
  return {
    width,
    height: height * 1.3,
    footprint: width,
    sample(u, v, out) {
      for (const p of planks) {
        const du = u - p.x;
        const dv = v - p.y;
        if (Math.abs(du * Math.cos(p.angle) + dv * Math.sin(p.angle)) < p.length / 2 && Math.abs(-du * Math.sin(p.angle) + dv * Math.cos(p.angle)) < p.thick / 2) {
          out.detail = true;
          out.shade = 0.95;
          return v >= 0;
        }
      }
      const x = u / (width / 2);
      const top = height * Math.sqrt(Math.max(0, 1 - x * x)) * (0.7 + 0.3 * valueNoise(x * 5 + 5, 0, seed)) + chunk * 0.5 * hash2(Math.floor(u / chunk), 7, seed);
      if (v < 0 || v > top) return false;
      const cell = hash2(Math.floor(u / chunk), Math.floor(v / chunk + 0.5 * (Math.floor(u / chunk) & 1)), seed + 1);
      out.detail = cell < 0.3;
      out.shade = 0.65 + 0.45 * cell * (0.6 + 0.4 * (v / top));
      return true;
    },
  };
}

/** One to three wooden crates in a row, sometimes one more on top: framed faces of planks, a lit top. */
function crates(rng: Random, size: number): HazardShape {
  const side = 0.4 + 0.8 * size;
  const row = 1 + rng.int(3);
  const stacked = row > 1 && chance(rng, 0.5);
  const pitch = side * 1.04;
  const width = row * pitch + side * 0.12;
  const boxes = Array.from({ length: row }, (_, i) => ({ x0: -width / 2 + i * pitch, y0: 0 }));
  if (stacked) boxes.push({ x0: -width / 2 + pitch * uniform(rng, 0, row - 1), y0: side });
  const planks = 3 + rng.int(3);
  const brace = chance(rng, 0.5);
  const lid = side * 0.18;
  return {
    width,
    height: (stacked ? 2 : 1) * side + lid,
    footprint: width,
    sample(u, v, out) {
      for (const b of boxes) {
        const a = (u - b.x0) / side;
        const c = (v - b.y0) / side;
        if (a >= 0 && a <= 1 && c >= 0 && c <= 1) {
          out.detail = a < 0.08 || a > 0.92 || c < 0.08 || c > 0.92 || (brace && Math.abs(a - c) < 0.05);
          out.shade = !out.detail && (c * planks) % 1 < 0.08 ? 0.7 : out.detail ? 0.9 : 1;
          return true;
        }
      }
      // The lids seen from above: a slanted strip over each box nothing stands on.
      for (const b of boxes) {
        const rise = v - b.y0 - side;
        const a = (u - b.x0 - rise * 0.6) / side;
        const covered = boxes.some((o) => o.y0 === b.y0 + side && Math.abs(o.x0 - b.x0) < side);
        if (!covered && rise >= 0 && rise <= lid && a >= 0 && a <= 1) {
          out.detail = false;
          out.shade = 1.15;
          return true;
        }
      }
      return false;
    },
  };
}

/** One to three barrels side by side: bulging, hooped, round-shaded. */
function barrels(rng: Random, size: number): HazardShape {
  const height = 0.5 + 1.1 * size;
  const diameter = height * uniform(rng, 0.6, 0.75);
  const count = 1 + rng.int(3);
  const gap = height * 0.03;
  const width = count * diameter + (count - 1) * gap;
  const rim = height * 0.06;
  return {
    width,
    height: height + rim,
    footprint: width,
    sample(u, v, out) {
      const along = (u + width / 2) / (diameter + gap);
      const x = (along - Math.floor(along)) * ((diameter + gap) / diameter);
      if (x > 1 || along < 0 || along >= count) return false;
      const t = 2 * x - 1;
      const bulge = 0.9 + 0.1 * Math.sin((Math.PI * Math.min(v, height)) / height);
      const cap = rim * Math.sqrt(Math.max(0, 1 - t * t));
      if (Math.abs(t) > bulge || v > height + cap) return false;
      if (v > height - cap) {
        out.detail = false;
        out.shade = 1.1;
        return true;
      }
      out.detail = Math.abs(v - 0.2 * height) < 0.035 * height || Math.abs(v - 0.8 * height) < 0.035 * height;
      out.shade = cylinderShade(t / bulge) + 0.05 * t;
      return true;
    },
  };
}

/** An armchair or a sofa: seat, back, arms and short legs, seams between the cushions. */
function sofa(rng: Random, size: number): HazardShape {
  const width = 0.9 + 1.6 * size;
  const height = uniform(rng, 0.75, 0.95) * (0.9 + 0.2 * size);
  const seat = height * uniform(rng, 0.42, 0.5);
  const armTop = height * uniform(rng, 0.58, 0.7);
  const arm = uniform(rng, 0.12, 0.24);
  const legs = height * 0.08;
  const cushions = Math.max(1, Math.round((width - 2 * arm) / 0.6));
  const cushion = (width - 2 * arm) / cushions;
  return {
    width,
    height,
    footprint: width,
    sample(u, v, out) {
      const a = Math.abs(u);
      if (v < legs) {
        out.detail = true;
        out.shade = 0.6;
        return a > width / 2 - 0.15 && a < width / 2 - 0.05;
      }
      out.detail = false;
      if (a > width / 2 - arm) {
        const r = arm / 2;
        const dx = Math.max(0, a - (width / 2 - r));
        const dy = Math.max(0, v - (armTop - r));
        out.shade = 1 - 0.2 * (dx / r);
        return dx * dx + dy * dy < r * r;
      }
      const seam = ((u + width / 2 - arm) / cushion) % 1;
      const inSeam = seam < 0.03 || seam > 0.97;
      if (v < seat) {
        out.shade = Math.abs(v - seat + height * 0.04) < height * 0.015 || inSeam ? 0.72 : 0.9;
        return true;
      }
      const corner = Math.max(0, a - (width / 2 - arm - 0.1)) + Math.max(0, v - (height - 0.1));
      out.shade = inSeam ? 0.7 : 0.8 + 0.25 * ((v - seat) / (height - seat));
      return corner < 0.1;
    },
  };
}

/** A fallen trunk lying across: round-shaded, cut ends with rings, a few broken branches. */
function log(rng: Random, size: number): HazardShape {
  const length = 1.2 + 3.4 * size;
  const diameter = (0.25 + 0.55 * size) * uniform(rng, 0.8, 1.2);
  const stubs = Array.from({ length: rng.int(4) }, () => ({ x: uniform(rng, -0.4, 0.4) * length, lean: uniform(rng, -0.8, 0.8) }));
  const stub = diameter * 0.6;
  return {
    width: length,
    height: diameter + stub,
    footprint: length,
    sample(u, v, out) {
      const t = (2 * v) / diameter - 1;
      if (Math.abs(t) <= 1 && Math.abs(u) < length / 2) {
        const end = length / 2 - Math.abs(u) < diameter * 0.1;
        out.detail = end;
        out.shade = end ? 0.9 + 0.2 * (Math.hypot(t, (length / 2 - Math.abs(u)) / (diameter * 0.1)) * 3 % 1) : cylinderShade(t);
        return true;
      }
      for (const s of stubs) {
        if (segmentDistance(u, v, s.x, diameter * 0.8, s.x + s.lean * stub, diameter + stub) < diameter * 0.12) {
          out.detail = false;
          out.shade = 0.85;
          return true;
        }
      }
      return false;
    },
  };
}

export const TEST_HAZARDS: readonly ShapeMaker[] = [animal, rock, rubble, crates, barrels, sofa, log];
