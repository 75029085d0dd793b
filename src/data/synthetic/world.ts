// Ray casting of the static street: ground (road, lane markings, sidewalks,
// yards), the front and back rows of both sides (buildings, walls, fences,
// hedges, tree lines) and the sky, with sun light and cast shadows. One ray
// per pixel; textures live in world coordinates and fade to their mean colour
// once their detail is smaller than a pixel.

import { CLASS } from './classes';
import type { Rgb } from './colour';
import { camera, setPixel, type Frame } from './frame';
import { fbm, hash2, valueNoise } from './noise';
import { segmentAt, type BackKind, type FrontKind, type Segment, type Side, type Street } from './street';

/** What a material paints: a class and a colour (a sprite's Paint has the same fields). */
export interface Surface {
  cls: number;
  r: number;
  g: number;
  b: number;
}

const NO_HIT = Infinity;

/** Smallest positive root of a t^2 + b t + c = 0 (the ray meeting a curved row). */
function firstHit(a: number, b: number, c: number): number {
  if (Math.abs(a) < 1e-12) {
    if (b === 0) return NO_HIT;
    const t = -c / b;
    return t > 0 ? t : NO_HIT;
  }
  const disc = b * b - 4 * a * c;
  if (disc < 0) return NO_HIT;
  const q = -0.5 * (b + (b >= 0 ? 1 : -1) * Math.sqrt(disc));
  const t1 = q / a;
  const t2 = q !== 0 ? c / q : NO_HIT;
  const lo = Math.min(t1, t2);
  const hi = Math.max(t1, t2);
  return lo > 0 ? lo : hi > 0 ? hi : NO_HIT;
}

function smooth01(x: number): number {
  return x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x);
}

/** 1 while a pattern of period `size` (m) spans several pixels, falling to 0 as it shrinks under one. */
function detail(size: number, footprint: number): number {
  return 1 - smooth01((footprint / size - 0.35) / 0.65);
}

function frac(x: number): number {
  return x - Math.floor(x);
}

function set(s: Surface, cls: number, c: Rgb, k: number): void {
  s.cls = cls;
  s.r = c[0] * k;
  s.g = c[1] * k;
  s.b = c[2] * k;
}

function frontSolid(seg: Segment<FrontKind>, z: number, y: number, footprint: number): boolean {
  switch (seg.kind) {
    case 'building':
    case 'wall':
      return y < seg.height;
    case 'hedge':
      return y < seg.height + (valueNoise(z * 1.3, 0, seg.seed) - 0.5) * 0.5;
    case 'fence': {
      if (y >= seg.height) return false;
      if (y > seg.height - 0.08 || Math.abs(y - seg.height * 0.35) < 0.04 || frac(z / 2.4) < 0.05) return true;
      // Style 2 is a wire mesh: solid for the labels, its holes only darken the colour.
      if (seg.style === 2) return true;
      const spacing = [0.16, 0.22, 0, 0.5][seg.style]!;
      const fill = [0.8, 0.3, 0, 0.12][seg.style]!;
      if (footprint > spacing * 0.8) return fill > 0.2 || frac((z + y) * 7) < 0.5;
      if (seg.style === 3) return frac(y / 0.3) < 0.25;
      return frac(z / spacing) < fill;
    }
    case 'open':
      return false;
  }
}

function backSolid(seg: Segment<BackKind>, z: number, y: number): boolean {
  switch (seg.kind) {
    case 'building':
      return y < seg.height;
    case 'trees':
      return y < seg.height * (0.65 + 0.6 * fbm(z * 0.25, 0, seg.seed, 2));
    case 'open':
      return false;
  }
}

export function foliage(s: Surface, base: Rgb, u: number, v: number, seed: number, footprint: number): void {
  const leaves = 0.55 + 0.9 * (fbm(u * 3, v * 3, seed, 2) - 0.5) + 0.5 * detail(0.15, footprint) * (hash2(Math.floor(u * 12), Math.floor(v * 12), seed) - 0.5);
  set(s, CLASS.vegetation, base, Math.max(0.2, leaves + 0.45));
}

function facade(s: Surface, seg: Segment<FrontKind> | Segment<BackKind>, u: number, v: number, footprint: number, street: Street): void {
  const floor = 3 + (seg.seed % 7) * 0.12;
  const column = 2.2 + ((seg.seed >>> 3) % 9) * 0.17;
  const wall = 0.85 + 0.3 * fbm(u * 0.6, v * 0.6, seg.seed, 2);
  const glassTint = 0.12 + 0.25 * hash2(Math.floor(u / column), Math.floor(v / floor), seg.seed);
  const sky = street.light.skyHorizon;
  const glass: Rgb = [0.1 + sky[0] * glassTint, 0.12 + sky[1] * glassTint, 0.15 + sky[2] * glassTint];
  const glassy = seg.style === 3;
  let windowness: number;
  if (v < floor && !glassy) {
    windowness = frac(u / (column * 2)) > 0.12 && frac(u / (column * 2)) < 0.88 && v > 0.4 && v < floor - 0.5 ? 1 : 0;
  } else if (glassy) {
    windowness = frac(u / column) < 0.92 && frac(v / floor) < 0.88 ? 1 : 0;
  } else {
    const fu = frac(u / column);
    const fv = frac(v / floor);
    windowness = fu > 0.22 && fu < 0.78 && fv > 0.28 && fv < 0.8 ? 1 : 0;
  }
  const d = detail(Math.min(column, floor) * 0.5, footprint);
  windowness = windowness * d + (glassy ? 0.85 : 0.3) * (1 - d);
  const edge = seg.height - v < 0.45 || u - seg.z0 < 0.25 ? 0.72 : 1;
  const base = seg.colour;
  s.cls = CLASS.building;
  s.r = (base[0] * wall * (1 - windowness) + glass[0] * windowness) * edge;
  s.g = (base[1] * wall * (1 - windowness) + glass[1] * windowness) * edge;
  s.b = (base[2] * wall * (1 - windowness) + glass[2] * windowness) * edge;
}

export function frontMaterial(s: Surface, seg: Segment<FrontKind>, z: number, y: number, footprint: number, street: Street): void {
  switch (seg.kind) {
    case 'building':
      facade(s, seg, z, y, footprint, street);
      return;
    case 'wall': {
      const row = Math.floor(y / 0.4);
      const mortar = frac(y / 0.4) < 0.1 || frac(z / 0.9 + row * 0.5) < 0.06;
      const k = (0.85 + 0.3 * fbm(z * 1.5, y * 1.5, seg.seed, 2)) * (mortar && seg.style < 2 ? 1 - 0.25 * detail(0.4, footprint) : 1);
      set(s, CLASS.wall, seg.colour, y > seg.height - 0.15 ? k * 1.15 : k);
      return;
    }
    case 'fence': {
      const mesh = seg.style === 2 && frac((z + y) / 0.12) > 0.3 && frac((z - y) / 0.12) > 0.3 ? 0.45 + 0.3 * (1 - detail(0.12, footprint)) : 1;
      set(s, CLASS.fence, seg.colour, (0.85 + 0.3 * valueNoise(z * 3, y * 3, seg.seed)) * mesh);
      return;
    }
    case 'hedge':
      foliage(s, seg.colour, z, y, seg.seed, footprint);
      return;
    case 'open':
      return;
  }
}

export function backMaterial(s: Surface, seg: Segment<BackKind>, z: number, y: number, footprint: number, street: Street): void {
  if (seg.kind === 'trees') foliage(s, seg.colour, z, y, seg.seed, footprint);
  else facade(s, seg, z, y, footprint, street);
}

function groundMaterial(s: Surface, street: Street, e: number, x: number, z: number, footprint: number): void {
  const a = Math.abs(e);
  const seed = street.seed;
  if (a < street.roadHalf) {
    const k = asphaltTone(street, x, z, footprint);
    if (isLine(street, e, z)) {
      const wear = fbm(x * 4, z * 2, seed + 3, 2) > 0.62 ? 0.55 : 0;
      s.cls = CLASS.roadLine;
      s.r = (street.lineColour[0] * (1 - wear) + street.asphalt[0] * wear) * k;
      s.g = (street.lineColour[1] * (1 - wear) + street.asphalt[1] * wear) * k;
      s.b = (street.lineColour[2] * (1 - wear) + street.asphalt[2] * wear) * k;
      return;
    }
    set(s, CLASS.road, street.asphalt, k);
    return;
  }
  const side = street.sides[e < 0 ? 0 : 1];
  if (a < street.roadHalf + street.sidewalk) {
    const across = a - street.roadHalf;
    if (across < 0.22) {
      set(s, CLASS.sidewalk, street.curbColour, 0.9 + 0.2 * valueNoise(z * 2, 0, seed));
      return;
    }
    set(s, CLASS.sidewalk, street.sidewalkColour, paving(across, z, street.tile, seed, footprint));
    return;
  }
  if (side.yard === 'grass') {
    foliage(s, side.yardColour, x, z, seed + 5, footprint);
    return;
  }
  set(s, CLASS.sidewalk, side.yardColour, paving(x, z, street.tile * 2, seed + 6, footprint));
}

/** Brightness of the asphalt (grain, patches, wear) at ground point (x, z). */
export function asphaltTone(street: Street, x: number, z: number, footprint: number): number {
  const seed = street.seed;
  const grain = detail(0.05, footprint) * (hash2(Math.floor(x * 20), Math.floor(z * 20), seed) - 0.5) * 0.12;
  const patch = valueNoise(x * 0.15 + 7, z * 0.15, seed + 1) > 0.72 ? 0.82 : 1;
  return (0.8 + 0.4 * fbm(x * 0.5, z * 0.5, seed + 2, 2) + grain) * patch;
}

export function paving(u: number, v: number, tile: number, seed: number, footprint: number): number {
  const joint = frac(u / tile) < 0.07 || frac(v / tile) < 0.07 ? 1 - 0.25 * detail(tile, footprint) : 1;
  const perTile = 0.9 + 0.2 * hash2(Math.floor(u / tile), Math.floor(v / tile), seed) * detail(tile, footprint);
  return joint * perTile * (0.9 + 0.2 * fbm(u * 0.8, v * 0.8, seed + 9, 2));
}

function isLine(street: Street, e: number, z: number): boolean {
  const half = street.lineWidth / 2;
  if (street.crosswalk && z > street.crosswalk.z0 && z < street.crosswalk.z1 && Math.abs(e) < street.roadHalf - 0.4) {
    return frac(e / 1.1) < 0.5;
  }
  if (street.edgeLines && Math.abs(Math.abs(e) - (street.roadHalf - 0.35)) < half) return true;
  const laneWidth = (2 * street.roadHalf) / street.lanes;
  const dashOn = frac((z + street.dashPhase) / street.dashPeriod) < 0.4;
  for (let k = 1; k < street.lanes; k++) {
    const b = -street.roadHalf + k * laneWidth;
    const centre = 2 * k === street.lanes;
    if (centre && street.centreLine === 'double') {
      if (Math.abs(Math.abs(e - b) - 0.15) < half) return true;
    } else if (Math.abs(e - b) < half && (dashOn || (centre && street.centreLine === 'solid'))) {
      return true;
    }
  }
  return false;
}

/** Fraction of sunlight blocked at lateral offset e, distance z, height y by the rows on the sun's side. */
export function rowShadow(street: Street, e: number, z: number, y: number): number {
  const [sx, sy, sz] = street.light.sun;
  if (Math.abs(sx) < 0.03 || street.light.sunStrength < 0.05) return 0;
  const sign = sx > 0 ? 1 : -1;
  const side = street.sides[sign > 0 ? 1 : 0];
  return Math.max(shadowOf(side.frontRow, side.front - sign * e, z, y, sx, sy, sz), shadowOf(side.backRow, side.back - sign * e, z, y, sx, sy, sz));
}

/** The shadow of the row at lateral distance d towards the sun on the point at (z, y). */
function shadowOf(row: readonly Segment<string>[], d: number, z: number, y: number, sx: number, sy: number, sz: number): number {
  if (d <= 0.01) return 0;
  const seg = segmentAt(row, z + (d * sz) / Math.abs(sx));
  if (!seg || seg.kind === 'open') return 0;
  const height = seg.kind === 'trees' ? seg.height * 0.85 : seg.height;
  if (height <= y + (d * sy) / Math.abs(sx)) return 0;
  return seg.kind === 'fence' || seg.kind === 'trees' ? 0.6 : 1;
}

function shadeInto(s: Surface, street: Street, lit: number): void {
  const L = street.light;
  const k = L.sunStrength * 1.5 * lit;
  s.r *= L.ambient[0] + L.sunColour[0] * k;
  s.g *= L.ambient[1] + L.sunColour[1] * k;
  s.b *= L.ambient[2] + L.sunColour[2] * k;
}

function sky(s: Surface, street: Street, dx: number, dy: number, dz: number): void {
  const L = street.light;
  const norm = Math.sqrt(dx * dx + dy * dy + dz * dz);
  const elevation = Math.max(0, dy / norm);
  const t = Math.pow(Math.min(1, elevation * 2.5), 0.7);
  s.cls = CLASS.sky;
  s.r = L.skyHorizon[0] + (L.skyZenith[0] - L.skyHorizon[0]) * t;
  s.g = L.skyHorizon[1] + (L.skyZenith[1] - L.skyHorizon[1]) * t;
  s.b = L.skyHorizon[2] + (L.skyZenith[2] - L.skyHorizon[2]) * t;
  const h = Math.max(elevation, 0.03);
  const cloud = smooth01((fbm((dx / norm / h) * 0.8, (dz / norm / h) * 0.8, street.seed + 11, 3) - 1 + L.cloudiness) * 3);
  const white = 0.75 + 0.2 * L.sunStrength;
  s.r += (white - s.r) * cloud * 0.8;
  s.g += (white - s.g) * cloud * 0.8;
  s.b += (white - s.b) * cloud * 0.8;
  const toSun = (dx * L.sun[0] + dy * L.sun[1] + dz * L.sun[2]) / norm;
  const glow = Math.pow(Math.max(0, toSun), 40) * L.sunStrength * 0.6;
  s.r += L.sunColour[0] * glow;
  s.g += L.sunColour[1] * glow;
  s.b += L.sunColour[2] * glow;
}

export function renderWorld(street: Street, frame: Frame): void {
  const { width, height } = frame;
  const cam = camera(street);
  const f = street.focal;
  const camH = street.cameraHeight;
  const s: Surface = { cls: 0, r: 0, g: 0, b: 0 };
  const sun = street.light.sun;
  for (let py = 0; py < height; py++) {
    const dy = (street.cy - (py + 0.5)) / f;
    for (let px = 0; px < width; px++) {
      const dx = (px + 0.5 - street.cx) / f;
      const dxw = dx * cam.cos + cam.sin;
      const dzw = -dx * cam.sin + cam.cos;
      const a = street.curvature * dzw * dzw;
      const tGround = dy < -1e-6 ? camH / -dy : NO_HIT;
      let best = tGround;
      let hitSide: Side | null = null;
      let hitSign = 0;
      let hitFront: Segment<FrontKind> | null = null;
      let hitBack: Segment<BackKind> | null = null;
      for (let k = 0; k < 2; k++) {
        const side = street.sides[k]!;
        const sign = k === 0 ? -1 : 1;
        const tf = firstHit(a, -dxw, sign * side.front - street.cameraX);
        if (tf < best) {
          const seg = segmentAt(side.frontRow, tf * dzw);
          if (seg && frontSolid(seg, tf * dzw, camH + tf * dy, tf / f)) {
            best = tf;
            hitSide = side;
            hitSign = sign;
            hitFront = seg;
            hitBack = null;
          }
        }
        const tb = firstHit(a, -dxw, sign * side.back - street.cameraX);
        if (tb < best) {
          const seg = segmentAt(side.backRow, tb * dzw);
          if (seg && backSolid(seg, tb * dzw, camH + tb * dy)) {
            best = tb;
            hitSide = side;
            hitSign = sign;
            hitFront = null;
            hitBack = seg;
          }
        }
      }
      const p = py * width + px;
      if (best === NO_HIT) {
        sky(s, street, dxw, dy, dzw);
        setPixel(frame, p, s.cls, s.r, s.g, s.b, Infinity);
        continue;
      }
      const z = best * dzw;
      const y = camH + best * dy;
      const footprint = best / f;
      if (hitSide) {
        if (hitFront) frontMaterial(s, hitFront, z, y, footprint, street);
        else backMaterial(s, hitBack!, z, y, footprint, street);
        const e = hitSign * (hitFront ? hitSide.front : hitSide.back);
        const facing = Math.max(0, -hitSign * sun[0]);
        shadeInto(s, street, (0.25 + 0.75 * facing) * (1 - rowShadow(street, e, z, y)));
      } else {
        const x = street.cameraX + best * dxw;
        const e = x - street.curvature * z * z;
        groundMaterial(s, street, e, x, z, footprint);
        shadeInto(s, street, Math.max(0, sun[1]) * (1 - rowShadow(street, e, z, 0)));
        frame.ground[p] = 1;
      }
      setPixel(frame, p, s.cls, s.r, s.g, s.b, best);
    }
  }
}
