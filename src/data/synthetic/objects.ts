// The known objects of a street: cars and vans, pedestrians, lamp and utility
// poles, traffic signs on posts, trees, and street furniture ('other': bins,
// benches, bollards, post boxes, planters).

import type { Random } from '../../base/random';
import { CLASS } from './classes';
import { gray, hsl, mix, type Rgb } from './colour';
import { hash2, valueNoise } from './noise';
import { chance, pick, uniform, weighted } from './random';
import { paintColour, paintGray, type Paint, type Sprite } from './sprite';

export const CAR_PAINTS: Rgb[] = [
  gray(0.85),
  gray(0.08),
  gray(0.55),
  gray(0.35),
  hsl(220, 0.5, 0.25),
  hsl(0, 0.55, 0.3),
  hsl(40, 0.25, 0.6),
  hsl(150, 0.3, 0.22),
  hsl(5, 0.7, 0.45),
  hsl(215, 0.6, 0.4),
  hsl(48, 0.8, 0.5),
];

export const CLOTHES: Rgb[] = [
  gray(0.12),
  gray(0.3),
  gray(0.6),
  hsl(220, 0.35, 0.25),
  hsl(30, 0.3, 0.35),
  hsl(35, 0.35, 0.6),
  hsl(80, 0.2, 0.3),
  hsl(350, 0.4, 0.3),
  gray(0.85),
  hsl(200, 0.3, 0.5),
];

export const SKIN: Rgb[] = [hsl(25, 0.45, 0.75), hsl(25, 0.4, 0.55), hsl(22, 0.4, 0.35), hsl(20, 0.35, 0.22)];
export const HAIR: Rgb[] = [gray(0.08), hsl(30, 0.4, 0.2), hsl(40, 0.5, 0.55), gray(0.6)];
export const POLE_PAINTS: Rgb[] = [gray(0.35), gray(0.15), hsl(150, 0.3, 0.2), gray(0.55)];
export const UTILITY_POLE_PAINT = hsl(28, 0.3, 0.3);
export const FURNITURE_PAINTS: Rgb[] = [gray(0.25), hsl(140, 0.35, 0.22), hsl(210, 0.3, 0.3), hsl(25, 0.35, 0.35), gray(0.55)];
export const FURNITURE_ACCENTS: Rgb[] = [hsl(48, 0.7, 0.5), hsl(0, 0.6, 0.4), gray(0.7)];
export const BARK = hsl(25, 0.3, 0.25);

export function vary(rng: Random, c: Rgb, amount = 0.12): Rgb {
  const k = 1 + uniform(rng, -amount, amount);
  return [Math.min(1, c[0] * k), Math.min(1, c[1] * k), Math.min(1, c[2] * k)];
}

/** Cars seen from behind (same direction) or from the front (oncoming); vans are taller boxes. */
export function car(rng: Random, x: number, z: number, oncoming: boolean): Sprite {
  const kind = weighted(rng, { sedan: 6, suv: 3, van: 1.5, truck: 0.7 });
  const width = kind === 'truck' ? uniform(rng, 2.3, 2.5) : kind === 'van' ? uniform(rng, 1.9, 2.1) : uniform(rng, 1.7, 1.95);
  const height = kind === 'truck' ? uniform(rng, 2.8, 3.4) : kind === 'van' ? uniform(rng, 1.9, 2.4) : kind === 'suv' ? uniform(rng, 1.6, 1.85) : uniform(rng, 1.35, 1.5);
  const body = vary(rng, pick(rng, CAR_PAINTS));
  const cabinStart = kind === 'sedan' || kind === 'suv' ? 0.52 : kind === 'van' ? 0.5 : 0.6;
  const glass: Rgb = vary(rng, hsl(210, 0.15, 0.16), 0.3);
  const lamp: Rgb = oncoming ? hsl(50, 0.3, 0.85) : hsl(0, 0.85, 0.45);
  const boxy = kind === 'van' || kind === 'truck';
  const plate = oncoming ? gray(0.9) : hsl(50, 0.6, 0.75);
  return {
    x,
    z,
    lift: 0,
    width,
    height,
    shadow: 0.8,
    footprint: width,
    paint(u, v, out) {
      const half = width / 2;
      const a = Math.abs(u);
      if (v < 0.22) {
        if (a > half - 0.42 && a < half - 0.08) return paintGray(out, CLASS.car, 0.06);
        return false;
      }
      if (v < 0.22 + 0.05 && a < half - 0.08) return paintGray(out, CLASS.car, 0.05);
      const h = v / height;
      if (h < cabinStart) {
        const corner = h > cabinStart - 0.08 && a > half - 0.12;
        if (corner && !boxy) return false;
        if (a < 0.24 && Math.abs(h - 0.28) < 0.04) return paintColour(out, CLASS.car, plate);
        if (a > half * 0.7 && a < half - 0.06 && Math.abs(h - (cabinStart - 0.12)) < 0.05) return paintColour(out, CLASS.car, lamp);
        return paintColour(out, CLASS.car, body, 0.85 + 0.3 * h);
      }
      const taper = boxy ? 0.02 : 0.1 + 0.22 * ((h - cabinStart) / (1 - cabinStart));
      if (a > half - taper * width) return false;
      const inset = a < half - taper * width - 0.1 && h < 0.93 && h > cabinStart + 0.04;
      if (inset && (!boxy || h > 0.7 || oncoming)) {
        const reflection = 0.7 + 0.6 * ((u / width + h) % 0.5);
        return paintColour(out, CLASS.car, glass, reflection);
      }
      return paintColour(out, CLASS.car, body, 1.05);
    },
  };
}

export function pedestrian(rng: Random, x: number, z: number): Sprite {
  const height = uniform(rng, 1.45, 1.95);
  const top = vary(rng, pick(rng, CLOTHES), 0.2);
  const legs = vary(rng, pick(rng, CLOTHES), 0.2);
  const skin = pick(rng, SKIN);
  const hair = vary(rng, pick(rng, HAIR));
  const stride = uniform(rng, 0, 0.16);
  const shoulders = uniform(rng, 0.17, 0.23);
  const bag = chance(rng, 0.3) ? vary(rng, pick(rng, CLOTHES)) : null;
  return {
    x,
    z,
    lift: 0,
    width: 0.7,
    height,
    shadow: 0.6,
    footprint: 0.5,
    paint(u, v, out) {
      const head = height - 0.12;
      const du = u;
      const dv = v - head;
      if (du * du + dv * dv < 0.11 * 0.11) return paintColour(out, CLASS.pedestrian, dv > 0.03 ? hair : skin);
      const hip = height * 0.5;
      const neck = height - 0.24;
      if (v > hip && v < neck) {
        const w = shoulders - ((neck - v) / (neck - hip)) * 0.04;
        if (Math.abs(u) < w) return paintColour(out, CLASS.pedestrian, top, 0.9 + 0.2 * ((v - hip) / (neck - hip)));
        if (Math.abs(u) < w + 0.07 && v > hip - 0.05) return paintColour(out, CLASS.pedestrian, v < hip + 0.12 ? skin : top, 0.85);
        if (bag && u > w + 0.07 && u < w + 0.22 && v < hip + 0.3 && v > hip - 0.05) return paintColour(out, CLASS.pedestrian, bag);
        return false;
      }
      if (v <= hip) {
        const spread = stride * (1 - v / hip);
        const left = Math.abs(u + 0.08 + spread) < 0.07;
        const right = Math.abs(u - 0.08 - spread) < 0.07;
        if (left || right) return v < 0.07 ? paintGray(out, CLASS.pedestrian, 0.1) : paintColour(out, CLASS.pedestrian, legs);
      }
      return false;
    },
  };
}

/** A street lamp (arm towards the road) or a utility pole. */
export function pole(rng: Random, x: number, z: number, armTowards: number): Sprite {
  const utility = chance(rng, 0.3);
  const height = utility ? uniform(rng, 7, 10) : uniform(rng, 4.5, 8);
  const radius = utility ? uniform(rng, 0.12, 0.17) : uniform(rng, 0.06, 0.1);
  const colour = utility ? vary(rng, UTILITY_POLE_PAINT) : vary(rng, pick(rng, POLE_PAINTS));
  const arm = utility ? 0 : uniform(rng, 0.8, 2);
  const width = 2 * (arm + radius + 0.3);
  const bulb = hsl(50, 0.3, 0.8);
  return {
    x,
    z,
    lift: 0,
    width,
    height,
    shadow: 0.3,
    footprint: 3 * radius,
    paint(u, v, out) {
      if (Math.abs(u) < radius * (v < 0.5 ? 1.4 : 1)) return paintColour(out, CLASS.pole, colour, 0.9 + 0.2 * (u / radius));
      if (utility) return v > height - 1.2 && Math.abs(v - (height - 0.8)) < 0.06 && Math.abs(u) < 0.9 ? paintColour(out, CLASS.pole, colour) : false;
      const along = u * armTowards;
      if (along > 0 && along < arm && Math.abs(v - (height - 0.1 - 0.15 * (along / arm) ** 2)) < 0.05) return paintColour(out, CLASS.pole, colour);
      if (along > arm - 0.4 && along < arm + 0.15 && v > height - 0.35 && v < height - 0.12) return paintColour(out, CLASS.pole, along > arm - 0.3 && v < height - 0.25 ? bulb : colour);
      return false;
    },
  };
}

/** A traffic sign plate on its post (the post is a pole, the plate a traffic sign). */
export function trafficSign(rng: Random, x: number, z: number): Sprite {
  const shape = pick(rng, ['circle', 'triangle', 'square', 'octagon', 'rectangle'] as const);
  const size = uniform(rng, 0.55, 0.85);
  const post = uniform(rng, 1.9, 2.6);
  const plateW = shape === 'rectangle' ? size * 1.5 : size;
  const scheme = pick(rng, [
    { face: hsl(0, 0.8, 0.45), inner: gray(0.92) },
    { face: hsl(215, 0.75, 0.4), inner: gray(0.92) },
    { face: hsl(130, 0.6, 0.3), inner: gray(0.92) },
    { face: hsl(48, 0.85, 0.55), inner: gray(0.1) },
    { face: gray(0.92), inner: hsl(0, 0.8, 0.45) },
  ]);
  const postColour = gray(uniform(rng, 0.4, 0.65));
  const symbolColour = scheme.inner === scheme.face ? gray(0.1) : mix(scheme.face, gray(0.1), 0.5);
  return {
    x,
    z,
    lift: 0,
    width: Math.max(plateW, 0.2),
    height: post + size,
    shadow: 0.2,
    footprint: 0.15,
    paint(u, v, out) {
      const cu = u / (plateW / 2);
      const cv = (v - post - size / 2) / (size / 2);
      let inside: boolean;
      let ring: boolean;
      if (shape === 'circle') {
        const r = Math.hypot(cu, cv);
        inside = r < 1;
        ring = r > 0.72;
      } else if (shape === 'triangle') {
        const t = (cv + 1) / 2;
        inside = t >= 0 && Math.abs(cu) < 1 - t;
        ring = inside && (t < 0.15 || Math.abs(cu) > 1 - t - 0.25);
      } else if (shape === 'octagon') {
        inside = Math.abs(cu) < 1 && Math.abs(cv) < 1 && Math.abs(cu) + Math.abs(cv) < 1.45;
        ring = Math.abs(cu) + Math.abs(cv) > 1.2 || Math.abs(cu) > 0.85 || Math.abs(cv) > 0.85;
      } else {
        inside = Math.abs(cu) < 1 && Math.abs(cv) < 1;
        ring = Math.abs(cu) > 0.85 || Math.abs(cv) > 0.8;
      }
      if (inside) {
        const symbol = !ring && Math.abs(cu) < 0.45 && Math.abs(cv) < 0.2;
        return paintColour(out, CLASS.trafficSign, ring ? scheme.face : symbol ? symbolColour : scheme.inner);
      }
      if (v < post + size / 2 && Math.abs(u) < 0.04) return paintColour(out, CLASS.pole, postColour);
      return false;
    },
  };
}

export function tree(rng: Random, x: number, z: number): Sprite {
  const crown = uniform(rng, 1.2, 3);
  const trunk = uniform(rng, 1.8, 3.2);
  const leaves = hsl(uniform(rng, 70, 130), uniform(rng, 0.3, 0.55), uniform(rng, 0.2, 0.33));
  const bark = vary(rng, BARK);
  const seed = rng.nextUint32();
  const trunkRadius = uniform(rng, 0.1, 0.2);
  return {
    x,
    z,
    lift: 0,
    width: 2 * crown,
    height: trunk + 2 * crown,
    shadow: 0.5,
    footprint: 1.6 * crown,
    paint(u, v, out) {
      const cu = u / crown;
      const cv = (v - trunk - crown) / crown;
      const angleNoise = valueNoise(Math.atan2(cv, cu) * 2 + 10, 0, seed);
      const r = Math.hypot(cu, cv);
      if (r < 0.75 + 0.35 * angleNoise) {
        const k = 0.6 + 0.8 * valueNoise(u * 4, v * 4, seed + 1) - 0.3 * cv;
        return paintColour(out, CLASS.vegetation, leaves, Math.max(0.3, k + 0.2 * (hash2(Math.floor(u * 10), Math.floor(v * 10), seed) - 0.5)));
      }
      if (v < trunk + crown * 0.5 && Math.abs(u) < trunkRadius * (1 - v / (trunk * 3))) return paintColour(out, CLASS.vegetation, bark);
      return false;
    },
  };
}

/** Street furniture, CARLA's "other": bins, benches, bollards, post boxes, planters. */
export function furniture(rng: Random, x: number, z: number): Sprite {
  const kind = pick(rng, ['bin', 'bench', 'bollard', 'postbox', 'planter'] as const);
  const colour = vary(rng, pick(rng, FURNITURE_PAINTS));
  const accent = vary(rng, pick(rng, FURNITURE_ACCENTS));
  const size = { bin: [0.6, 1.0], bench: [1.8, 0.9], bollard: [0.22, 0.9], postbox: [0.55, 1.3], planter: [1.4, 0.7] }[kind];
  const plant = hsl(uniform(rng, 80, 130), 0.45, 0.3);
  const [width, height] = size as [number, number];
  return {
    x,
    z,
    lift: 0,
    width,
    height: kind === 'planter' ? height + 0.6 : height,
    shadow: 0.5,
    footprint: width,
    paint(u, v, out: Paint) {
      const a = Math.abs(u) / (width / 2);
      switch (kind) {
        case 'bin':
          if (v > height - 0.08) return a < 1.05 ? paintColour(out, CLASS.other, colour, 0.7) : false;
          return a < 0.95 ? paintColour(out, CLASS.other, colour, 1.1 - 0.5 * a * a) : false;
        case 'bench':
          if (Math.abs(v - 0.45) < 0.05 || (v > 0.55 && v < 0.9 && (v * 8) % 1 < 0.6)) return paintColour(out, CLASS.other, colour);
          return v < 0.45 && a > 0.8 && a < 0.9 ? paintGray(out, CLASS.other, 0.2) : false;
        case 'bollard':
          return a < 0.8 ? paintColour(out, CLASS.other, Math.abs(v - 0.75) < 0.05 ? accent : colour, 1 - 0.4 * a * a) : false;
        case 'postbox':
          if (v < 0.6) return a < 0.25 ? paintGray(out, CLASS.other, 0.2) : false;
          return a < 0.95 ? paintColour(out, CLASS.other, accent, Math.abs(v - 1.1) < 0.02 ? 0.3 : 1 - 0.3 * a) : false;
        case 'planter':
          if (v < height) return a < 1 ? paintGray(out, CLASS.other, 0.55 * (0.9 + 0.2 * valueNoise(u * 5, v * 5, 3))) : false;
          return a < 0.9 * (1 - ((v - height) / 0.6) ** 2) + 0.1 * valueNoise(u * 8, v * 8, 5) ? paintColour(out, CLASS.vegetation, plant, 0.7 + 0.6 * valueNoise(u * 9, v * 9, 7)) : false;
      }
    },
  };
}
