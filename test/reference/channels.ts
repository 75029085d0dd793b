// Per-pixel channel vectors of NCHW arrays and a float64 log-softmax, shared by
// the references of the per-pixel ops (losses, distances, scores).

export interface Nchw {
  n: number;
  c: number;
  h: number;
  w: number;
}

/** Visits every pixel as (channel offsets in the NCHW array, pixel index n * HW + s). */
export function forEachPixel({ n, c, h, w }: Nchw, visit: (offsets: number[], pixel: number) => void): void {
  const hw = h * w;
  for (let b = 0; b < n; b++) {
    for (let s = 0; s < hw; s++) visit(Array.from({ length: c }, (_, k) => (b * c + k) * hw + s), b * hw + s);
  }
}

export function logSoftmax(z: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let k = 0; k < z.length; k++) m = Math.max(m, z[k]!);
  let sum = 0;
  for (let k = 0; k < z.length; k++) sum += Math.exp(z[k]! - m);
  const lse = m + Math.log(sum);
  return Float64Array.from(z, (v) => v - lse);
}
