// What a camera does to the rendered light: distance haze, exposure,
// vignetting, lens blur and sensor noise, then 8-bit quantisation.

import type { Random } from '../../base/random';
import type { Frame } from './frame';
import { uniform } from './random';
import type { Light, Street } from './street';

/** How much of a colour the haze has taken at `depth` metres (Infinity: the sky, none). */
export function fogAmount(light: Light, depth: number): number {
  return depth === Infinity ? 0 : 1 - Math.exp(-depth / light.fogDistance);
}

export function developFrame(rng: Random, street: Street, frame: Frame): Uint8Array {
  const { width, height, rgb, depth } = frame;
  const L = street.light;
  const pixels = width * height;
  const vignette = uniform(rng, 0, 0.35);
  for (let p = 0; p < pixels; p++) {
    const d = depth[p]!;
    const fog = fogAmount(L, d);
    const x = (p % width) / width - 0.5;
    const y = Math.floor(p / width) / height - 0.5;
    const k = L.exposure * (1 - vignette * (x * x + y * y) * 1.6);
    for (let c = 0; c < 3; c++) {
      const v = rgb[3 * p + c]!;
      rgb[3 * p + c] = (v + (L.haze[c]! - v) * fog) * k;
    }
  }
  blur(rgb, width, height, uniform(rng, 0, 0.22));
  const sigma = uniform(rng, 0.006, 0.03);
  const out = new Uint8Array(pixels * 3);
  let state = rng.nextUint32();
  // mulberry32 inline: the noise needs three numbers a channel, fast.
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = 0; i < pixels * 3; i++) {
    // Sum of two uniforms: a triangular stand-in for Gaussian sensor noise.
    const noise = (next() + next() - 1) * 2.4 * sigma;
    const v = rgb[i]! + noise;
    out[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
  }
  return out;
}

/** Separable [a, 1 - 2a, a] blur, edges clamped. */
function blur(rgb: Float32Array, width: number, height: number, a: number): void {
  if (a <= 0) return;
  const line = new Float32Array(Math.max(width, height) * 3);
  const centre = 1 - 2 * a;
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    line.set(rgb.subarray(row, row + width * 3));
    for (let x = 0; x < width; x++) {
      const l = Math.max(0, x - 1) * 3;
      const r = Math.min(width - 1, x + 1) * 3;
      for (let c = 0; c < 3; c++) rgb[row + x * 3 + c] = a * (line[l + c]! + line[r + c]!) + centre * line[x * 3 + c]!;
    }
  }
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) for (let c = 0; c < 3; c++) line[y * 3 + c] = rgb[(y * width + x) * 3 + c]!;
    for (let y = 0; y < height; y++) {
      const u = Math.max(0, y - 1) * 3;
      const d = Math.min(height - 1, y + 1) * 3;
      for (let c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = a * (line[u + c]! + line[d + c]!) + centre * line[y * 3 + c]!;
    }
  }
}
