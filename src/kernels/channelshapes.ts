// Shape checks of the per-pixel ops over channels (losses, distances, scores):
// features [N, C, H, W], one value per pixel q = n * H * W + y * W + x.

import { ShapeError, formatShape } from '../base/shape';

export type Nchw = readonly [n: number, c: number, h: number, w: number];

const isNchw = (s: readonly number[]): boolean => s.length === 4 && s[1]! >= 1;
const asNchw = (s: readonly number[]): Nchw => [s[0]!, s[1]!, s[2]!, s[3]!];

/** Throws unless `shape` is [N, C, H, W] with at least one channel. */
export function checkNchw(op: string, shape: readonly number[]): Nchw {
  if (!isNchw(shape)) throw new ShapeError(op, `expects [N, C, H, W] with C >= 1, got ${formatShape(shape)}`);
  return asNchw(shape);
}

/** Throws unless a and b are the same [N, C, H, W] shape. */
export function checkSameNchw(op: string, a: readonly number[], b: readonly number[]): Nchw {
  if (!isNchw(a) || a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new ShapeError(op, `expects two [N, C, H, W] inputs of one shape, got ${formatShape(a)} and ${formatShape(b)}`);
  }
  return asNchw(a);
}

/** The uniforms every per-pixel shader starts with: pixels, H * W, C. */
export function pixelParams([n, c, h, w]: Nchw): { pixels: number; hw: number; c: number } {
  return { pixels: n * h * w, hw: h * w, c };
}

export const pixelCount = ([n, , h, w]: Nchw): number => n * h * w;
