// Launches of shaders/batchnorm2d.wgsl: batch statistics (two-level tree
// reduction, with the running-statistics update), the normalisation, and the
// backward's per-channel sums and input gradient. Buffers are NCHW float32;
// `stats` buffers hold mean[C] then invstd[C].

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError, formatShape } from '../gpu/errors';
import { shader, type Constants } from '../gpu/shader';
import source from '../../shaders/batchnorm2d.wgsl';

const batchNorm = shader('batchnorm2d', source, {
  bindings: {
    statsPartial: { reads: ['x'], writes: ['statPartials'] },
    statsFinal: { reads: ['partials'], writes: ['statsOut', 'runningMean', 'runningVar'] },
    runningStats: { reads: ['runningMeanIn', 'runningVarIn'], writes: ['evalStatsOut'] },
    normalize: { reads: ['x', 'stats', 'bias', 'weight'], writes: ['y'] },
    gradPartial: { reads: ['x', 'stats', 'dy'], writes: ['gradPartials'] },
    gradFinal: { reads: ['partials'], writes: ['sumDyOut', 'sumDyXhatOut'] },
    gradInput: { reads: ['x', 'stats', 'dy', 'weight', 'sumDy', 'sumDyXhat'], writes: ['dx'] },
  },
});
const op = 'batchNorm2d';
/** Values of one H*W plane that one level-1 workgroup reduces, at most. */
const chunkSize = 4096;
/**
 * Invocations of a reduction workgroup, at most (a power of two). On lavapipe
 * every halving step of the tree is a barrier across the whole workgroup: 64
 * invocations reduced the batch statistics of [8, 64, 48, 80] in 9-16 ms, 256
 * in 16-22 ms (chunks of 1024 values at 256 invocations: 52 ms; best of 11,
 * on the shared 2-core machine under load).
 */
const maxReductionWG = (rt: GpuRuntime): number => (rt.adapter.software ? 64 : 256);
const elementWG = 64;

export interface BatchNormShapes {
  x: readonly number[];
  weight: readonly number[] | null;
  bias: readonly number[] | null;
  runningMean: readonly number[];
  runningVar: readonly number[];
  training: boolean;
}

/** Throws ShapeError unless x is NCHW and every per-channel tensor has shape [C]. */
export function checkBatchNorm2dShapes(s: BatchNormShapes): void {
  if (s.x.length !== 4) throw new ShapeError(op, `input ${formatShape(s.x)} is not 4D (N, C, H, W)`);
  const [n, c, h, w] = s.x as [number, number, number, number];
  const perChannel: [string, readonly number[] | null][] = [
    ['weight', s.weight],
    ['bias', s.bias],
    ['runningMean', s.runningMean],
    ['runningVar', s.runningVar],
  ];
  for (const [name, shape] of perChannel) {
    if (shape && (shape.length !== 1 || shape[0] !== c)) {
      throw new ShapeError(op, `${name} ${formatShape(shape)} does not match the ${c} channels of input ${formatShape(s.x)} (want [${c}])`);
    }
  }
  if (s.training && n * h * w < 2) {
    throw new ShapeError(op, `training needs more than one value per channel; input ${formatShape(s.x)}`);
  }
}

interface Dims {
  c: number;
  hw: number;
  batch: number;
  /** Level-1 chunks per H*W plane. */
  planeChunks: number;
  maxWG: number;
}

function dims(rt: GpuRuntime, shape: readonly number[], buffers: readonly GpuBuffer[]): Dims {
  if (shape.length !== 4) throw new ShapeError(op, `input ${formatShape(shape)} is not 4D (N, C, H, W)`);
  const [n, c, h, w] = shape as [number, number, number, number];
  for (const b of buffers) {
    if (b.bytes < n * c * h * w * 4) throw new ShapeError(op, `a buffer of ${b.bytes / 4} values is too small for input ${formatShape(shape)}`);
  }
  return { c, hw: h * w, batch: n, planeChunks: Math.max(1, Math.ceil((h * w) / chunkSize)), maxWG: maxReductionWG(rt) };
}

const tensorBytes = (d: Dims): number => d.batch * d.c * d.hw * 4;
const partialBytes = (d: Dims): number => d.c * d.batch * d.planeChunks * 2 * 4;

const params = (d: Dims) => ({ c: d.c, hw: d.hw, batch: d.batch, planeChunks: d.planeChunks, chunkSize });

/** Reduction workgroup size: a power of two, no wider than the values it has to reduce. */
const reductionWG = (d: Dims, values: number): number => Math.min(d.maxWG, Math.max(32, 2 ** Math.ceil(Math.log2(Math.max(1, values)))));
const levelOne = (d: Dims) => ({ workgroups: [d.planeChunks, d.c, d.batch] as const, constants: { WG: reductionWG(d, Math.min(d.hw, chunkSize)) } });
const levelTwo = (d: Dims) => ({ workgroups: [d.c] as const, constants: { WG: reductionWG(d, d.batch * d.planeChunks) } });
const elementwise = (d: Dims, constants: Constants = {}) => ({
  workgroups: [Math.ceil(d.hw / elementWG), d.c, d.batch] as const,
  constants: { WG: elementWG, ...constants },
});

/**
 * Batch mean and invstd (biased variance) per channel; moves runningMean and
 * runningVar (in place) by `momentum` towards the batch mean and unbiased variance.
 */
export function batchStatistics(
  rt: GpuRuntime,
  x: GpuBuffer,
  shape: readonly number[],
  runningMean: GpuBuffer,
  runningVar: GpuBuffer,
  momentum: number,
  eps: number,
): GpuBuffer {
  const d = dims(rt, shape, [x]);
  const partials = rt.pool.acquire(partialBytes(d), 'batchNorm2d statistics partials');
  const stats = rt.pool.acquire(d.c * 2 * 4, 'batchNorm2d statistics');
  rt.dispatch(batchNorm, 'statsPartial', { reads: { x }, writes: { statPartials: partials }, params: params(d), ...levelOne(d) });
  rt.dispatch(batchNorm, 'statsFinal', { reads: { partials }, writes: { statsOut: stats, runningMean, runningVar }, params: { ...params(d), eps, momentum }, ...levelTwo(d) });
  rt.pool.release(partials);
  return stats;
}

/** Mean and invstd per channel from the running statistics (eval mode). */
export function runningStatistics(rt: GpuRuntime, runningMean: GpuBuffer, runningVar: GpuBuffer, channels: number, eps: number): GpuBuffer {
  const stats = rt.pool.acquire(channels * 2 * 4, 'batchNorm2d statistics');
  rt.dispatch(batchNorm, 'runningStats', {
    reads: { runningMeanIn: runningMean, runningVarIn: runningVar },
    writes: { evalStatsOut: stats },
    params: { c: channels, eps },
    workgroups: [Math.ceil(channels / elementWG)],
    constants: { WG: elementWG },
  });
  return stats;
}

/** y = (x - mean) * invstd * weight + bias; a null weight or bias is left out. */
export function batchNormApply(
  rt: GpuRuntime,
  x: GpuBuffer,
  shape: readonly number[],
  stats: GpuBuffer,
  weight: GpuBuffer | null,
  bias: GpuBuffer | null,
): GpuBuffer {
  const d = dims(rt, shape, [x]);
  const y = rt.pool.acquire(tensorBytes(d));
  rt.dispatch(batchNorm, 'normalize', {
    reads: { x, stats, bias: bias ?? stats, weight: weight ?? stats },
    writes: { y },
    params: params(d),
    ...elementwise(d, { HAS_WEIGHT: weight ? 1 : 0, HAS_BIAS: bias ? 1 : 0 }),
  });
  return y;
}

export interface GradSums {
  /** sum of dy per channel: the bias gradient. */
  sumDy: GpuBuffer;
  /** sum of dy * xhat per channel: the weight gradient. */
  sumDyXhat: GpuBuffer;
}

export function batchNormGradSums(rt: GpuRuntime, x: GpuBuffer, dy: GpuBuffer, shape: readonly number[], stats: GpuBuffer): GradSums {
  const d = dims(rt, shape, [x, dy]);
  const partials = rt.pool.acquire(partialBytes(d), 'batchNorm2d gradient partials');
  const sumDy = rt.pool.acquire(d.c * 4);
  const sumDyXhat = rt.pool.acquire(d.c * 4);
  rt.dispatch(batchNorm, 'gradPartial', { reads: { x, stats, dy }, writes: { gradPartials: partials }, params: params(d), ...levelOne(d) });
  rt.dispatch(batchNorm, 'gradFinal', { reads: { partials }, writes: { sumDyOut: sumDy, sumDyXhatOut: sumDyXhat }, params: params(d), ...levelTwo(d) });
  rt.pool.release(partials);
  return { sumDy, sumDyXhat };
}

/** dx; with `sums` (training) through the batch statistics, without (eval) a per-channel scale. */
export function batchNormGradInput(
  rt: GpuRuntime,
  x: GpuBuffer,
  dy: GpuBuffer,
  shape: readonly number[],
  stats: GpuBuffer,
  weight: GpuBuffer | null,
  sums: GradSums | null,
): GpuBuffer {
  const d = dims(rt, shape, [x, dy]);
  const dx = rt.pool.acquire(tensorBytes(d));
  rt.dispatch(batchNorm, 'gradInput', {
    reads: { x, stats, dy, weight: weight ?? stats, sumDy: sums?.sumDy ?? stats, sumDyXhat: sums?.sumDyXhat ?? stats },
    writes: { dx },
    params: params(d),
    ...elementwise(d, { HAS_WEIGHT: weight ? 1 : 0, TRAINING: sums ? 1 : 0 }),
  });
  return dx;
}
