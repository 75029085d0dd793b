// Paints for the headline anomalies, all borrowed from the known classes: the
// scene's own asphalt, paving, lawn, facades, walls, fences, hedges and tree
// lines (textured in metres, as the street paints them), and the palettes the
// known objects are painted from (car paint, clothes, skin and hair, poles,
// street furniture, bark, leaves). So an anomaly's colours are ones the
// training images are full of; only its shape and place give it away.

import type { Random } from '../../base/random';
import { hsl, type Rgb } from './colour';
import { hash2, valueNoise } from './noise';
import { BARK, CAR_PAINTS, CLOTHES, FURNITURE_ACCENTS, FURNITURE_PAINTS, HAIR, POLE_PAINTS, SKIN, UTILITY_POLE_PAINT, vary } from './objects';
import { pick, uniform, weighted } from './random';
import type { Paint } from './sprite';
import { ROW_END, type Segment, type Street } from './street';
import { asphaltTone, backMaterial, foliage, frontMaterial, paving } from './world';

/** Paints the colour (not the class) of point (u, v) of an object: metres from its centre and from its bottom. */
export type Material = (u: number, v: number, footprint: number, out: Paint) => void;

const MATERIAL_WEIGHTS = {
  road: 2,
  sidewalk: 1.5,
  yard: 0.7,
  frontRow: 2,
  backRow: 1,
  car: 2,
  clothes: 1,
  metal: 1,
  bark: 0.5,
  leaves: 0.7,
} as const;

export type MaterialKind = keyof typeof MATERIAL_WEIGHTS;

function flat(out: Paint, c: Rgb, k: number): void {
  out.r = c[0] * k;
  out.g = c[1] * k;
  out.b = c[2] * k;
}

/** A segment of the street's rows near enough to be seen, not a gap. */
function rowSegment<K extends string>(rng: Random, rows: readonly (readonly Segment<K>[])[]): Segment<K> | null {
  const near = rows.flatMap((row) => row.filter((s) => s.kind !== 'open' && s.z0 < ROW_END / 3));
  return near.length > 0 ? pick(rng, near) : null;
}

/**
 * Where on a row segment an object's piece of it lies: the (z, y) of the
 * object's bottom centre, clear of the segment's left edge and top, which the
 * facade darkens.
 */
function pieceOf(rng: Random, seg: Segment<string>, width: number, height: number): [number, number] {
  return [seg.z0 + 0.5 + width / 2 + uniform(rng, 0, Math.max(0, seg.z1 - seg.z0 - width - 1)), uniform(rng, 0, Math.max(0, seg.height - height - 0.5))];
}

/**
 * A material of the given kind (drawn by weight when none is given) for an
 * object `width` x `height` metres: a piece of a street surface at a random
 * offset, or a colour from an object palette with the shading its class has.
 */
export function drawMaterial(rng: Random, street: Street, width: number, height: number, kind: MaterialKind = weighted(rng, MATERIAL_WEIGHTS)): Material {
  const ou = uniform(rng, 0, 40);
  const ov = uniform(rng, 0, 40);
  const side = street.sides[rng.int(2)]!;
  switch (kind) {
    case 'road':
      return (u, v, footprint, out) => flat(out, street.asphalt, asphaltTone(street, ou + u, ov + v, footprint));
    case 'sidewalk':
      return (u, v, footprint, out) => flat(out, street.sidewalkColour, paving(ou + u, ov + v, street.tile, street.seed, footprint));
    case 'yard':
      if (side.yard === 'grass') return (u, v, footprint, out) => foliage(out, side.yardColour, ou + u, ov + v, street.seed + 5, footprint);
      return (u, v, footprint, out) => flat(out, side.yardColour, paving(ou + u, ov + v, street.tile * 2, street.seed + 6, footprint));
    case 'frontRow': {
      const seg = rowSegment(rng, street.sides.map((s) => s.frontRow));
      if (!seg) return drawMaterial(rng, street, width, height, 'backRow');
      const [z0, y0] = pieceOf(rng, seg, width, height);
      return (u, v, footprint, out) => frontMaterial(out, seg, z0 + u, y0 + v, footprint, street);
    }
    case 'backRow': {
      const seg = rowSegment(rng, street.sides.map((s) => s.backRow));
      if (!seg) return drawMaterial(rng, street, width, height, 'road');
      const [z0, y0] = pieceOf(rng, seg, width, height);
      return (u, v, footprint, out) => backMaterial(out, seg, z0 + u, y0 + v, footprint, street);
    }
    case 'car': {
      const body = vary(rng, pick(rng, CAR_PAINTS));
      return (_u, v, _footprint, out) => flat(out, body, 0.85 + 0.3 * (v / height));
    }
    case 'clothes': {
      const cloth = vary(rng, pick(rng, [...CLOTHES, ...SKIN, ...HAIR]), 0.2);
      return (_u, v, _footprint, out) => flat(out, cloth, 0.9 + 0.2 * (v / height));
    }
    case 'metal': {
      const paint = vary(rng, pick(rng, [...POLE_PAINTS, UTILITY_POLE_PAINT, ...FURNITURE_PAINTS, ...FURNITURE_ACCENTS]));
      return (_u, _v, _footprint, out) => flat(out, paint, 1);
    }
    case 'bark': {
      const bark = vary(rng, BARK);
      const seed = rng.nextUint32();
      return (u, v, _footprint, out) => flat(out, bark, 0.85 + 0.3 * valueNoise(u * 8, v * 2, seed));
    }
    case 'leaves': {
      // A tree crown's hue and texture (see tree()).
      const leaves = hsl(uniform(rng, 70, 130), uniform(rng, 0.3, 0.55), uniform(rng, 0.2, 0.33));
      const seed = rng.nextUint32();
      return (u, v, _footprint, out) => flat(out, leaves, Math.max(0.3, 0.6 + 0.8 * valueNoise(u * 4, v * 4, seed) + 0.2 * (hash2(Math.floor(u * 10), Math.floor(v * 10), seed) - 0.5)));
    }
  }
}
