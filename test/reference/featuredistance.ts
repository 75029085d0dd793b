// Float64 reference of the per-pixel feature distance: mean over channels of (a - b)^2.
import { forEachPixel, type Nchw } from './channels';

/** [N, 1, H, W] */
export function featureDistance(a: Float64Array, b: Float64Array, d: Nchw): Float64Array {
  const out = new Float64Array(d.n * d.h * d.w);
  forEachPixel(d, (at, q) => (out[q] = at.reduce((s, i) => s + (a[i]! - b[i]!) ** 2, 0) / d.c));
  return out;
}

export function featureDistanceGrad(a: Float64Array, b: Float64Array, d: Nchw, g: Float64Array): [Float64Array, Float64Array] {
  const da = new Float64Array(a.length);
  forEachPixel(d, (at, q) => at.forEach((i) => (da[i] = (2 / d.c) * g[q]! * (a[i]! - b[i]!))));
  return [da, da.map((v) => -v)];
}
