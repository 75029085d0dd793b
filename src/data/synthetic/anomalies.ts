// The easy anomalies, of the test-easy split: objects whose shape, colour and
// texture no known class has (saturated magenta, cyan, lime... in checks,
// stripes, dots or rainbows; creatures, stars, rings, heaps, crystal shards,
// balls), of small to medium size, standing on the road or the sidewalk.
// Their colours alone give them away (see hazards.ts for the ones that don't).

import type { Random } from '../../base/random';
import { CLASS } from './classes';
import { gray, hsl, type Rgb } from './colour';
import { valueNoise } from './noise';
import { pick, uniform } from './random';
import { paintColour, type Paint, type Sprite } from './sprite';

type Pattern = (u: number, v: number, out: Paint) => true;

const ANOMALY_HUES = [300, 320, 180, 170, 75, 90, 275, 25];
/** Metres: anomalies stay small to medium objects. */
const MAX_WIDTH = 3;

function pattern(rng: Random, size: number): Pattern {
  const first = hsl(pick(rng, ANOMALY_HUES) + uniform(rng, -10, 10), uniform(rng, 0.85, 1), uniform(rng, 0.45, 0.6));
  const second: Rgb = pick(rng, [gray(0.95), gray(0.05), hsl(pick(rng, ANOMALY_HUES), 1, 0.55)]);
  const period = size / uniform(rng, 2.5, 6);
  const kind = pick(rng, ['checker', 'stripes', 'dots', 'rainbow', 'spots'] as const);
  const angle = uniform(rng, 0, Math.PI);
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const hue0 = uniform(rng, 0, 360);
  const seed = rng.nextUint32();
  return (u, v, out) => {
    const a = (u * ca + v * sa) / period;
    const b = (-u * sa + v * ca) / period;
    switch (kind) {
      case 'checker':
        return paintColour(out, CLASS.anomaly, (Math.floor(a) + Math.floor(b)) % 2 === 0 ? first : second);
      case 'stripes':
        return paintColour(out, CLASS.anomaly, a - Math.floor(a) < 0.5 ? first : second);
      case 'dots': {
        const da = a - Math.floor(a) - 0.5;
        const db = b - Math.floor(b) - 0.5;
        return paintColour(out, CLASS.anomaly, da * da + db * db < 0.09 ? second : first);
      }
      case 'rainbow':
        return paintColour(out, CLASS.anomaly, hsl(hue0 + a * 70, 1, 0.55));
      case 'spots':
        return paintColour(out, CLASS.anomaly, valueNoise(a * 1.5, b * 1.5, seed) > 0.55 ? second : first);
    }
  };
}

type Shape = (x: number, y: number) => boolean;

const LEGS = [-0.45, -0.3, 0.3, 0.45];

/** Shapes over x in -1..1 (left to right) and y in 0..1 (bottom to top), with the sprite's aspect (width / height). */
function shape(rng: Random): { inside: Shape; aspect: number } {
  const kind = pick(rng, ['creature', 'star', 'ring', 'heap', 'shards', 'ball'] as const);
  const seed = rng.nextUint32();
  switch (kind) {
    case 'creature': {
      const neck = uniform(rng, 0.5, 0.8) * (rng.next() < 0.5 ? -1 : 1);
      return {
        aspect: uniform(rng, 1.1, 1.6),
        inside: (x, y) => {
          const body = ((x - 0) / 0.62) ** 2 + ((y - 0.55) / 0.2) ** 2 < 1;
          const head = (x - neck * 1.1) ** 2 / 0.04 + (y - 0.88) ** 2 / 0.01 < 1;
          const neckLine = Math.abs(x - neck * (0.5 + 0.6 * (y - 0.55) / 0.33)) < 0.07 && y > 0.55 && y < 0.88;
          const legs = y < 0.55 && LEGS.some((l) => Math.abs(x - l - 0.05 * (0.55 - y)) < 0.05);
          return body || head || neckLine || legs;
        },
      };
    }
    case 'star': {
      const spikes = 4 + rng.int(5);
      const depth = uniform(rng, 0.3, 0.6);
      const spin = uniform(rng, 0, Math.PI);
      return {
        aspect: 1,
        inside: (x, y) => {
          const cy = (y - 0.5) * 2;
          const r = Math.hypot(x, cy);
          const angle = Math.atan2(cy, x) + spin;
          return r < 1 - depth * Math.abs(Math.sin((spikes * angle) / 2)) ** 0.7;
        },
      };
    }
    case 'ring': {
      const inner = uniform(rng, 0.35, 0.6);
      return {
        aspect: uniform(rng, 0.8, 1.3),
        inside: (x, y) => {
          const r = Math.hypot(x, (y - 0.5) * 2);
          return r < 1 && r > inner;
        },
      };
    }
    case 'heap':
      return {
        aspect: uniform(rng, 1.5, 3),
        inside: (x, y) => y < Math.sqrt(Math.max(0, 1 - x * x)) * (0.65 + 0.35 * valueNoise(x * 4 + 5, 0, seed)) && y > 0,
      };
    case 'shards': {
      const shards = Array.from({ length: 2 + rng.int(3) }, () => ({
        x: uniform(rng, -0.5, 0.5),
        w: uniform(rng, 0.15, 0.45),
        top: uniform(rng, 0.5, 1),
        lean: uniform(rng, -0.4, 0.4),
      }));
      return {
        aspect: uniform(rng, 0.7, 1.4),
        inside: (x, y) => shards.some((s) => y < s.top && Math.abs(x - s.x - s.lean * y) < s.w * (1 - y / s.top)),
      };
    }
    case 'ball':
      return { aspect: 1, inside: (x, y) => x * x + ((y - 0.5) * 2) ** 2 < 1 };
  }
}

/** One anomaly of `size` metres tall standing at (x, z). */
export function anomaly(rng: Random, x: number, z: number, size: number): Sprite {
  const { inside, aspect } = shape(rng);
  const paint = pattern(rng, size);
  const width = Math.min(size * aspect, MAX_WIDTH);
  const shading = uniform(rng, 0.15, 0.4);
  return {
    x,
    z,
    lift: 0,
    width,
    height: size,
    shadow: 0.7,
    footprint: width,
    paint(u, v, out) {
      const xn = u / (width / 2);
      const yn = v / size;
      if (!inside(xn, yn)) return false;
      paint(u, v, out);
      const k = 1 - shading + shading * (yn + 0.3 * xn);
      out.r *= k;
      out.g *= k;
      out.b *= k;
      return true;
    },
  };
}
