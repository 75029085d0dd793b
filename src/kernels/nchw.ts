// The NCHW shape checks shared by the image ops (pooling, resampling, concat).

import { ShapeError, formatShape } from '../base/shape';

export interface Nchw {
  n: number;
  c: number;
  h: number;
  w: number;
}

/** Reads an NCHW shape; throws ShapeError naming `op` unless it is 4-D and non-empty. */
export function nchw(op: string, shape: readonly number[]): Nchw {
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ShapeError(op, `expects a non-empty NCHW input, got ${formatShape(shape)}`);
  }
  const [n, c, h, w] = shape as [number, number, number, number];
  return { n, c, h, w };
}

/** [n, c, outH, outW] for an op that maps every plane of `shape` to outH x outW. */
export function resizedShape(op: string, shape: readonly number[], outH: number, outW: number): [number, number, number, number] {
  const { n, c } = nchw(op, shape);
  if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1) {
    throw new ShapeError(op, `bad output size ${outH}x${outW} for input ${formatShape(shape)}`);
  }
  return [n, c, outH, outW];
}
