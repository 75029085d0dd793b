// Objects standing on the ground (cars, people, poles, signs, trees, street
// furniture, anomalies) as camera-facing sprites: a shape function over the
// sprite's own metres, drawn with a depth test against the rendered street.

import type { Rgb } from './colour';
import { camera, setPixel, toCamera, type Frame } from './frame';
import { rowShadow } from './world';
import type { Street } from './street';

export interface Paint {
  cls: number;
  r: number;
  g: number;
  b: number;
}

export interface Sprite {
  /** World position of the bottom centre. */
  x: number;
  z: number;
  /** Height of the bottom above the ground (m). */
  lift: number;
  width: number;
  height: number;
  /**
   * Paints the point (u, v) of the sprite, u in metres from the centre
   * (-width/2 .. width/2, left to right on screen), v in metres above its
   * bottom; returns false where the sprite is transparent. `footprint` is
   * the metres one pixel spans at the sprite's distance, so textures can fade
   * out their detail below a pixel as the street's do.
   */
  paint(u: number, v: number, out: Paint, footprint: number): boolean;
  /** Strength of the soft shadow on the ground under it, 0 for none. */
  shadow: number;
  /** Width (m) of what touches the ground, for that shadow. */
  footprint: number;
}

export function paintColour(out: Paint, cls: number, c: Rgb, k = 1): true {
  out.cls = cls;
  out.r = c[0] * k;
  out.g = c[1] * k;
  out.b = c[2] * k;
  return true;
}

export function paintGray(out: Paint, cls: number, v: number): true {
  out.cls = cls;
  out.r = out.g = out.b = v;
  return true;
}

/**
 * Darkens the ground under each sprite: a soft ellipse as wide as its
 * footprint, stretched away from the sun. Scattered over the ellipse's screen
 * box only, on pixels that show the ground.
 */
export function castSpriteShadows(street: Street, frame: Frame, sprites: readonly Sprite[]): void {
  const L = street.light;
  const [sx, sy, sz] = L.sun;
  const sunny = L.sunStrength > 0.2;
  const reach = sunny ? Math.min(2.5, Math.sqrt(1 - sy * sy) / Math.max(sy, 0.2)) : 0;
  const cam = camera(street);
  const f = street.focal;
  for (const sprite of sprites) {
    if (sprite.shadow <= 0 || sprite.lift > 0) continue;
    const along = 0.5 * sprite.height * reach;
    const x = sprite.x - sx * along;
    const z = sprite.z - sz * along;
    const rx = sprite.footprint * 0.6 + Math.abs(sx) * along;
    const rz = sprite.footprint * 0.6 + Math.abs(sz) * along;
    const strength = sprite.shadow * (sunny ? 0.75 : 0.5);
    let left = Infinity;
    let right = -Infinity;
    let top = Infinity;
    let bottom = -Infinity;
    for (const [cxw, czw] of [[x - rx, z - rz], [x + rx, z - rz], [x - rx, z + rz], [x + rx, z + rz]] as const) {
      const [xc, zc] = toCamera(street, cam, cxw, czw);
      const depth = Math.max(zc, 0.5);
      left = Math.min(left, street.cx + (f * xc) / depth);
      right = Math.max(right, street.cx + (f * xc) / depth);
      top = Math.min(top, street.cy + (f * street.cameraHeight) / depth);
      bottom = Math.max(bottom, street.cy + (f * street.cameraHeight) / depth);
    }
    for (let py = Math.max(0, Math.floor(top)); py <= Math.min(frame.height - 1, Math.ceil(bottom)); py++) {
      for (let px = Math.max(0, Math.floor(left)); px <= Math.min(frame.width - 1, Math.ceil(right)); px++) {
        const p = py * frame.width + px;
        if (!frame.ground[p]) continue;
        const dx = (px + 0.5 - street.cx) / f;
        const t = frame.depth[p]!;
        const u = (street.cameraX + t * (dx * cam.cos + cam.sin) - x) / rx;
        const v = (t * (cam.cos - dx * cam.sin) - z) / rz;
        const r2 = u * u + v * v;
        if (r2 >= 1) continue;
        const k = 1 - strength * Math.sqrt(1 - r2);
        frame.rgb[3 * p] *= k;
        frame.rgb[3 * p + 1] *= k;
        frame.rgb[3 * p + 2] *= k;
      }
    }
  }
}

/** Draws the sprites far to near with a depth test, lit like the ground they stand on. */
export function drawSprites(street: Street, frame: Frame, sprites: readonly Sprite[]): void {
  const cam = camera(street);
  const f = street.focal;
  const placed = sprites
    .map((sprite) => ({ sprite, at: toCamera(street, cam, sprite.x, sprite.z) }))
    .filter(({ at }) => at[1] > 0.5)
    .sort((a, b) => b.at[1] - a.at[1]);
  const out: Paint = { cls: 0, r: 0, g: 0, b: 0 };
  const L = street.light;
  for (const { sprite, at } of placed) {
    const [xc, zc] = at;
    const e = sprite.x - street.curvature * sprite.z * sprite.z;
    const sunLit = Math.max(0, L.sun[1]) * 0.6 + 0.25 * Math.sqrt(1 - L.sun[1] * L.sun[1]);
    const k = L.sunStrength * 1.5 * sunLit * (1 - rowShadow(street, e, sprite.z, sprite.height / 2));
    const light: Rgb = [L.ambient[0] + L.sunColour[0] * k, L.ambient[1] + L.sunColour[1] * k, L.ambient[2] + L.sunColour[2] * k];
    const scale = f / zc;
    const centreX = street.cx + xc * scale;
    const bottomY = street.cy - (sprite.lift - street.cameraHeight) * scale;
    const x0 = Math.max(0, Math.floor(centreX - (sprite.width / 2) * scale));
    const x1 = Math.min(frame.width - 1, Math.ceil(centreX + (sprite.width / 2) * scale));
    const y0 = Math.max(0, Math.floor(bottomY - sprite.height * scale));
    const y1 = Math.min(frame.height - 1, Math.ceil(bottomY));
    for (let py = y0; py <= y1; py++) {
      const v = (bottomY - (py + 0.5)) / scale;
      if (v < 0 || v > sprite.height) continue;
      for (let px = x0; px <= x1; px++) {
        const p = py * frame.width + px;
        if (frame.depth[p]! <= zc) continue;
        const u = (px + 0.5 - centreX) / scale;
        if (Math.abs(u) > sprite.width / 2 || !sprite.paint(u, v, out, 1 / scale)) continue;
        setPixel(frame, p, out.cls, out.r * light[0], out.g * light[1], out.b * light[2], zc);
      }
    }
  }
}
