// Float64 reference of 2D batch norm (NCHW), as PyTorch's BatchNorm2d.

export type Shape4 = readonly [number, number, number, number];

/** Calls fn(channel, flat index) for every element. */
function forEach(shape: Shape4, fn: (c: number, i: number) => void): void {
  const [n, c, h, w] = shape;
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < c; k++) {
      for (let j = 0; j < h * w; j++) fn(k, (b * c + k) * h * w + j);
    }
  }
}

const perChannelCount = (shape: Shape4): number => shape[0] * shape[2] * shape[3];

/** Per-channel sum of f(channel, index). */
function channelSums(shape: Shape4, f: (c: number, i: number) => number): Float64Array {
  const sums = new Float64Array(shape[1]);
  forEach(shape, (c, i) => (sums[c] += f(c, i)));
  return sums;
}

export interface Statistics {
  mean: Float64Array;
  /** Biased (divided by N * H * W). */
  variance: Float64Array;
}

export function batchStatistics(x: Float64Array, shape: Shape4): Statistics {
  const count = perChannelCount(shape);
  const mean = channelSums(shape, (_, i) => x[i]!).map((s) => s / count);
  const variance = channelSums(shape, (c, i) => (x[i]! - mean[c]!) ** 2).map((s) => s / count);
  return { mean, variance };
}

export interface Affine {
  weight: Float64Array | null;
  bias: Float64Array | null;
}

export function normalise(x: Float64Array, shape: Shape4, s: Statistics, affine: Affine, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  forEach(shape, (c, i) => {
    const xhat = (x[i]! - s.mean[c]!) / Math.sqrt(s.variance[c]! + eps);
    y[i] = xhat * (affine.weight?.[c] ?? 1) + (affine.bias?.[c] ?? 0);
  });
  return y;
}

export const training = (x: Float64Array, shape: Shape4, affine: Affine, eps: number): Float64Array =>
  normalise(x, shape, batchStatistics(x, shape), affine, eps);

export interface Gradients {
  dx: Float64Array;
  dweight: Float64Array;
  dbias: Float64Array;
}

/** Gradients with the statistics held fixed (eval), or through them (training). */
function gradients(x: Float64Array, shape: Shape4, s: Statistics, weight: Float64Array | null, eps: number, gy: Float64Array, throughStats: boolean): Gradients {
  const count = perChannelCount(shape);
  const invstd = s.variance.map((v) => 1 / Math.sqrt(v + eps));
  const xhat = (c: number, i: number): number => (x[i]! - s.mean[c]!) * invstd[c]!;
  const dbias = channelSums(shape, (_, i) => gy[i]!);
  const dweight = channelSums(shape, (c, i) => gy[i]! * xhat(c, i));
  const dx = new Float64Array(x.length);
  forEach(shape, (c, i) => {
    const scale = (weight?.[c] ?? 1) * invstd[c]!;
    const centred = throughStats ? gy[i]! - dbias[c]! / count - (xhat(c, i) * dweight[c]!) / count : gy[i]!;
    dx[i] = scale * centred;
  });
  return { dx, dweight, dbias };
}

export const trainingGrad = (x: Float64Array, shape: Shape4, weight: Float64Array | null, eps: number, gy: Float64Array): Gradients =>
  gradients(x, shape, batchStatistics(x, shape), weight, eps, gy, true);

export const evalGrad = (x: Float64Array, shape: Shape4, s: Statistics, weight: Float64Array | null, eps: number, gy: Float64Array): Gradients =>
  gradients(x, shape, s, weight, eps, gy, false);

/** PyTorch's update: the running variance moves towards the unbiased batch variance. */
export function updateRunning(running: Statistics, x: Float64Array, shape: Shape4, momentum: number): Statistics {
  const count = perChannelCount(shape);
  const batch = batchStatistics(x, shape);
  return {
    mean: running.mean.map((m, c) => (1 - momentum) * m + momentum * batch.mean[c]!),
    variance: running.variance.map((v, c) => (1 - momentum) * v + momentum * batch.variance[c]! * (count / (count - 1))),
  };
}

/** What a residual network fuses after a batch norm: relu(bn + residual), either part optional. */
export interface Fused {
  residual: Float64Array | null;
  relu: boolean;
}

export function fuse(bn: Float64Array, f: Fused): Float64Array {
  return bn.map((v, i) => {
    const z = v + (f.residual?.[i] ?? 0);
    return f.relu ? Math.max(z, 0) : z;
  });
}

/** The gradient reaching the batch norm's output (and the residual's): gy where the fused ReLU passed, else 0. */
export function fusedGrad(bn: Float64Array, f: Fused, gy: Float64Array): Float64Array {
  const y = fuse(bn, f);
  return gy.map((g, i) => (!f.relu || y[i]! > 0 ? g : 0));
}
