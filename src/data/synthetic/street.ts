// The random layout of one street scene: camera, road, the rows of buildings,
// walls, fences and hedges on both sides, and the light. World axes: X to the
// right, Y up, Z forward; the road centre line is X = curvature * Z^2.

import type { Random } from '../../base/random';
import { gray, hsl, mix, type Rgb } from './colour';
import { chance, pick, uniform, weighted } from './random';

export type FrontKind = 'building' | 'wall' | 'fence' | 'hedge' | 'open';
export type BackKind = 'building' | 'trees' | 'open';

export interface Segment<K extends string> {
  z0: number;
  z1: number;
  kind: K;
  height: number;
  colour: Rgb;
  /** Texture variant and seed. */
  style: number;
  seed: number;
}

export interface Side {
  /** Lateral distance of the front row (buildings, walls...) from the road centre. */
  front: number;
  /** Lateral distance of the back row (taller buildings, tree lines). */
  back: number;
  frontRow: Segment<FrontKind>[];
  backRow: Segment<BackKind>[];
  /** Ground between the sidewalk and the rows: lawn (vegetation) or paving (sidewalk). */
  yard: 'grass' | 'paved';
  yardColour: Rgb;
}

export interface Light {
  /** Unit vector towards the sun. */
  sun: [number, number, number];
  sunColour: Rgb;
  sunStrength: number;
  ambient: Rgb;
  skyZenith: Rgb;
  skyHorizon: Rgb;
  cloudiness: number;
  haze: Rgb;
  /** Distance (m) at which fog has taken 63% of a colour. */
  fogDistance: number;
  exposure: number;
}

export interface Street {
  width: number;
  height: number;
  /** Focal length in pixels, principal point. */
  focal: number;
  cx: number;
  cy: number;
  cameraHeight: number;
  cameraX: number;
  yaw: number;
  curvature: number;
  roadHalf: number;
  sidewalk: number;
  lanes: number;
  centreLine: 'dashed' | 'solid' | 'double';
  edgeLines: boolean;
  lineColour: Rgb;
  lineWidth: number;
  dashPeriod: number;
  dashPhase: number;
  crosswalk: { z0: number; z1: number } | null;
  asphalt: Rgb;
  sidewalkColour: Rgb;
  curbColour: Rgb;
  tile: number;
  sides: [Side, Side];
  light: Light;
  seed: number;
}

export const ROW_END = 260;

const FACADE_COLORS: Rgb[] = [
  hsl(15, 0.45, 0.42), // brick
  hsl(25, 0.35, 0.55), // sandstone
  hsl(40, 0.2, 0.72), // plaster
  gray(0.55), // concrete
  gray(0.4),
  hsl(210, 0.12, 0.45), // blue-grey
  hsl(30, 0.15, 0.3), // dark brown
  hsl(200, 0.25, 0.35), // glass tower
];

function jitter(rng: Random, colour: Rgb, amount: number): Rgb {
  return colour.map((c) => Math.min(1, Math.max(0, c * (1 + uniform(rng, -amount, amount))))) as Rgb;
}

function frontRow(rng: Random, town: Rgb[]): Segment<FrontKind>[] {
  const weights = pick(rng, [
    { building: 5, wall: 2, fence: 2, hedge: 1, open: 0.5 },
    { building: 2, wall: 2.5, fence: 2.5, hedge: 3, open: 1 },
    { building: 8, wall: 1, fence: 1, hedge: 0.5, open: 0.3 },
  ]);
  const row: Segment<FrontKind>[] = [];
  for (let z = -5; z < ROW_END; ) {
    const kind = weighted(rng, weights);
    const length = kind === 'building' ? uniform(rng, 8, 30) : uniform(rng, 5, 20);
    const height =
      kind === 'building' ? uniform(rng, 6, 24) : kind === 'wall' ? uniform(rng, 1, 3.2) : kind === 'fence' ? uniform(rng, 0.9, 2.2) : uniform(rng, 0.8, 2.6);
    const colour =
      kind === 'building'
        ? jitter(rng, pick(rng, town), 0.15)
        : kind === 'wall'
          ? jitter(rng, pick(rng, [gray(0.6), hsl(35, 0.2, 0.6), hsl(20, 0.35, 0.45), gray(0.45)]), 0.12)
          : kind === 'fence'
            ? jitter(rng, pick(rng, [gray(0.5), hsl(120, 0.25, 0.3), hsl(25, 0.4, 0.35), gray(0.2), hsl(0, 0, 0.75)]), 0.1)
            : jitter(rng, hsl(uniform(rng, 85, 130), uniform(rng, 0.3, 0.55), uniform(rng, 0.22, 0.35)), 0.1);
    row.push({ z0: z, z1: z + length, kind, height, colour, style: rng.int(4), seed: rng.nextUint32() });
    z += length;
  }
  return row;
}

function backRow(rng: Random, town: Rgb[]): Segment<BackKind>[] {
  const row: Segment<BackKind>[] = [];
  for (let z = -5; z < ROW_END; ) {
    const kind = weighted(rng, { building: 5, trees: 3, open: 1.5 });
    const length = uniform(rng, 10, 40);
    const height = kind === 'building' ? uniform(rng, 8, 35) : uniform(rng, 5, 14);
    const colour = kind === 'trees' ? hsl(uniform(rng, 80, 135), uniform(rng, 0.3, 0.5), uniform(rng, 0.2, 0.32)) : jitter(rng, pick(rng, town), 0.2);
    row.push({ z0: z, z1: z + length, kind, height, colour, style: rng.int(4), seed: rng.nextUint32() });
    z += length;
  }
  return row;
}

function side(rng: Random, roadHalf: number, sidewalk: number, town: Rgb[]): Side {
  const front = roadHalf + sidewalk + (chance(rng, 0.5) ? 0 : uniform(rng, 0.5, 4));
  const yard = chance(rng, 0.5) ? 'grass' : 'paved';
  return {
    front,
    back: front + uniform(rng, 6, 25),
    frontRow: frontRow(rng, town),
    backRow: backRow(rng, town),
    yard,
    yardColour: yard === 'grass' ? hsl(uniform(rng, 70, 110), uniform(rng, 0.25, 0.45), uniform(rng, 0.25, 0.38)) : jitter(rng, gray(0.5), 0.15),
  };
}

function light(rng: Random): Light {
  const weather = weighted(rng, { sunny: 5, overcast: 3, dusk: 1.5, hazy: 1.5 });
  const elevation = weather === 'dusk' ? uniform(rng, 0.05, 0.25) : uniform(rng, 0.25, 1.1);
  const azimuth = uniform(rng, -Math.PI, Math.PI);
  const sun: [number, number, number] = [Math.cos(elevation) * Math.sin(azimuth), Math.sin(elevation), Math.cos(elevation) * Math.cos(azimuth)];
  const sunColour = weather === 'dusk' ? hsl(uniform(rng, 20, 35), 0.8, 0.7) : hsl(45, 0.3, uniform(rng, 0.85, 0.95));
  const sunStrength = weather === 'overcast' ? uniform(rng, 0, 0.15) : weather === 'hazy' ? uniform(rng, 0.3, 0.5) : uniform(rng, 0.6, 0.9);
  const skyZenith =
    weather === 'overcast' ? gray(uniform(rng, 0.55, 0.75)) : weather === 'dusk' ? hsl(uniform(rng, 215, 260), 0.4, 0.35) : hsl(uniform(rng, 200, 220), uniform(rng, 0.45, 0.7), uniform(rng, 0.5, 0.62));
  const skyHorizon = weather === 'dusk' ? hsl(uniform(rng, 15, 40), 0.7, 0.65) : mix(skyZenith, gray(0.9), uniform(rng, 0.4, 0.8));
  return {
    sun,
    sunColour,
    sunStrength,
    ambient: mix(skyZenith, gray(0.75), 0.6).map((c) => c * (weather === 'overcast' ? uniform(rng, 0.85, 1.05) : uniform(rng, 0.45, 0.6))) as Rgb,
    skyZenith,
    skyHorizon,
    cloudiness: weather === 'overcast' ? uniform(rng, 0.2, 0.5) : uniform(rng, 0, 0.8),
    haze: mix(skyHorizon, gray(0.7), 0.4),
    fogDistance: weather === 'hazy' ? uniform(rng, 35, 90) : uniform(rng, 90, 450),
    exposure: weather === 'dusk' ? uniform(rng, 1.25, 1.6) : uniform(rng, 0.9, 1.15),
  };
}

export function drawStreet(rng: Random, width: number, height: number): Street {
  const lanes = pick(rng, [2, 2, 2, 3, 4, 4]);
  const laneWidth = uniform(rng, 2.9, 3.6);
  const roadHalf = (lanes * laneWidth) / 2 + uniform(rng, 0, 2);
  const sidewalk = uniform(rng, 1.8, 4.5);
  const town = Array.from({ length: 3 }, () => pick(rng, FACADE_COLORS));
  const yellow = chance(rng, 0.3);
  const laneCentre = -roadHalf + laneWidth * (rng.int(lanes) + 0.5);
  return {
    width,
    height,
    focal: width * uniform(rng, 0.55, 0.8),
    cx: width / 2,
    cy: height * uniform(rng, 0.36, 0.5),
    cameraHeight: uniform(rng, 1.3, 2.2),
    cameraX: Math.max(-roadHalf + 1, Math.min(roadHalf - 1, laneCentre + uniform(rng, -0.5, 0.5))),
    yaw: uniform(rng, -0.12, 0.12),
    curvature: chance(rng, 0.5) ? 0 : uniform(rng, -0.0025, 0.0025),
    roadHalf,
    sidewalk,
    lanes,
    centreLine: pick(rng, ['dashed', 'dashed', 'solid', 'double'] as const),
    edgeLines: chance(rng, 0.6),
    lineColour: yellow ? hsl(48, 0.75, 0.6) : gray(uniform(rng, 0.78, 0.92)),
    lineWidth: uniform(rng, 0.12, 0.2),
    dashPeriod: uniform(rng, 6, 12),
    dashPhase: uniform(rng, 0, 12),
    crosswalk: chance(rng, 0.3) ? (() => { const z0 = uniform(rng, 7, 28); return { z0, z1: z0 + uniform(rng, 2.5, 4) }; })() : null,
    asphalt: gray(uniform(rng, 0.24, 0.42)).map((c, i) => c * (1 + (i === 2 ? 0.04 : 0))) as Rgb,
    sidewalkColour: jitter(rng, pick(rng, [gray(0.58), gray(0.5), hsl(30, 0.18, 0.55), hsl(10, 0.3, 0.45), gray(0.42)]), 0.1),
    curbColour: gray(uniform(rng, 0.55, 0.75)),
    tile: pick(rng, [0.4, 0.5, 0.8, 1.0]),
    sides: [side(rng, roadHalf, sidewalk, town), side(rng, roadHalf, sidewalk, town)],
    light: light(rng),
    seed: rng.nextUint32(),
  };
}

export function segmentAt<K extends string>(row: readonly Segment<K>[], z: number): Segment<K> | null {
  let lo = 0;
  let hi = row.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = row[mid]!;
    if (z < s.z0) hi = mid - 1;
    else if (z >= s.z1) lo = mid + 1;
    else return s;
  }
  return null;
}
