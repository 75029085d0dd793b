// Launches of shaders/batchnorm2d.wgsl: batch statistics (tree reductions,
// with the running-statistics update), the normalisation with the residual add
// and ReLU fused after it, and the backward's per-channel sums and input
// gradient. Buffers are NCHW float32; `stats` buffers hold mean[C] then invstd[C].

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError, formatShape } from '../base/shape';
import type { Constants } from '../gpu/shader';
import source from '../../shaders/batchnorm2d.wgsl';
import { valueShaders } from './values';

// Binding slots are per name: the backward reads the forward's y as `output`,
// and level 2 of the gradient sums writes its own names.
const statistics = { reads: ['x'], writes: ['statsOut', 'runningMean', 'runningVar'] };
const gradSumReads = ['x', 'stats', 'dy', 'output'];
const gradInputReads = ['x', 'stats', 'dy', 'output', 'weight', 'sumDy', 'sumDyXhat'];
const gradWholeReads = ['x', 'stats', 'dy', 'output', 'weight'];
const shaders = valueShaders(
  'batchnorm2d',
  source,
  {
    bindings: {
      statsWhole: statistics,
      statsPartial: { reads: ['x'], writes: ['statPartials'] },
      statsFinal: { reads: ['partials'], writes: ['statsOut', 'runningMean', 'runningVar'] },
      runningStats: { reads: ['runningMeanIn', 'runningVarIn'], writes: ['evalStatsOut'] },
      normalise: { reads: ['x', 'stats', 'bias', 'residual', 'weight'], writes: ['y'] },
      gradWhole: { reads: gradSumReads, writes: ['sumDyOut', 'sumDyXhatOut'] },
      gradPartial: { reads: gradSumReads, writes: ['gradPartials'] },
      gradFinal: { reads: ['partials'], writes: ['sumDyMerged', 'sumDyXhatMerged'] },
      gradInput: { reads: gradInputReads, writes: ['dx'] },
      gradInputResidual: { reads: gradInputReads, writes: ['dx', 'dresidual'] },
      // dx and dresidual keep gradInput's slots after the two sums.
      gradWholeInput: { reads: gradWholeReads, writes: ['gradBiasOut', 'gradWeightOut', 'dx'] },
      gradWholeInputResidual: { reads: gradWholeReads, writes: ['gradBiasOut', 'gradWeightOut', 'dx', 'dresidual'] },
    },
  },
  ['x', 'y', 'dy', 'output', 'dx', 'residual', 'dresidual'],
);
const op = 'batchNorm2d';
/**
 * Elements of a channel that one level-1 workgroup reduces, at most: on CPU
 * adapters a whole channel of the tiny configuration (every level costs a
 * dispatch and barriers there), on GPUs chunks small enough for many workgroups.
 */
const chunkElements = (rt: GpuRuntime): number => (rt.adapter.software ? 32768 : 4096);
/**
 * Invocations of a reduction workgroup, at most (a power of two). On lavapipe
 * every halving step of the tree is a barrier across the whole workgroup: 64
 * invocations reduced the batch statistics of [8, 64, 48, 80] in 9-16 ms, 256
 * in 16-22 ms (chunks of 1024 values at 256 invocations: 52 ms; best of 11,
 * on the shared 2-core machine under load).
 */
const maxReductionWG = (rt: GpuRuntime): number => (rt.adapter.software ? 64 : 256);
const elementWG = 64;

/** What is fused after the normalisation: ReLU, and a residual added before it. */
export interface Fused {
  relu: boolean;
  residual: GpuBuffer | null;
}

export interface BatchNormShapes {
  x: readonly number[];
  weight: readonly number[] | null;
  bias: readonly number[] | null;
  runningMean: readonly number[];
  runningVar: readonly number[];
  training: boolean;
  /** The shape of the residual added before the activation, if any. */
  residual?: readonly number[] | null;
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
  if (s.residual && (s.residual.length !== 4 || s.residual.some((d, i) => d !== s.x[i]))) {
    throw new ShapeError(op, `residual ${formatShape(s.residual)} differs from input ${formatShape(s.x)}`);
  }
  if (s.training && n * h * w < 2) {
    throw new ShapeError(op, `training needs more than one value per channel; input ${formatShape(s.x)}`);
  }
}

interface Dims {
  c: number;
  batch: number;
  /** Elements per Value (4 where a plane is a multiple of 4 long), and Values per plane. */
  lanes: 1 | 4;
  hw: number;
  /** Values of a plane in one chunk, chunks per plane, planes per chunk, plane groups. */
  chunkSize: number;
  planeChunks: number;
  planeGroup: number;
  groups: number;
  maxWG: number;
  shader: ReturnType<typeof shaders.forRuns>['shader'];
}

function dims(rt: GpuRuntime, shape: readonly number[], buffers: readonly GpuBuffer[]): Dims {
  if (shape.length !== 4) throw new ShapeError(op, `input ${formatShape(shape)} is not 4D (N, C, H, W)`);
  const [n, c, h, w] = shape as [number, number, number, number];
  for (const b of buffers) {
    if (b.bytes < n * c * h * w * 4) throw new ShapeError(op, `a buffer of ${b.bytes / 4} values is too small for input ${formatShape(shape)}`);
  }
  const { shader, lanes } = shaders.forRuns(h * w);
  const hw = (h * w) / lanes;
  const chunkSize = Math.max(1, Math.floor(chunkElements(rt) / lanes));
  const piece = Math.min(hw, chunkSize);
  const planeGroup = Math.max(1, Math.floor(chunkSize / piece));
  return { c, batch: n, lanes, hw, chunkSize, planeChunks: Math.ceil(hw / chunkSize), planeGroup, groups: Math.ceil(n / planeGroup), maxWG: maxReductionWG(rt), shader };
}

const tensorBytes = (d: Dims): number => d.batch * d.c * d.hw * d.lanes * 4;
const chunksPerChannel = (d: Dims): number => d.groups * d.planeChunks;
const partialBytes = (d: Dims): number => d.c * chunksPerChannel(d) * 2 * 4;

const params = (d: Dims) => ({ c: d.c, hw: d.hw, batch: d.batch, planeChunks: d.planeChunks, chunkSize: d.chunkSize, planeGroup: d.planeGroup, groups: d.groups });

/** Reduction workgroup size: a power of two, no wider than the values it has to reduce. */
const reductionWG = (d: Dims, values: number): number => Math.min(d.maxWG, Math.max(32, 2 ** Math.ceil(Math.log2(Math.max(1, values)))));
const levelOne = (d: Dims) => ({ workgroups: [d.planeChunks, d.c, d.groups] as const, constants: { WG: reductionWG(d, Math.min(d.hw, d.chunkSize)) } });
const levelTwo = (d: Dims) => ({ workgroups: [d.c] as const, constants: { WG: reductionWG(d, chunksPerChannel(d)) } });
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
  const stats = rt.pool.acquire(d.c * 2 * 4, 'batchNorm2d statistics');
  const finish = { statsOut: stats, runningMean, runningVar };
  const p = { ...params(d), eps, momentum };
  if (chunksPerChannel(d) === 1) {
    rt.dispatch(d.shader, 'statsWhole', { reads: { x }, writes: finish, params: p, ...levelOne(d) });
    return stats;
  }
  const partials = rt.pool.acquire(partialBytes(d), 'batchNorm2d statistics partials');
  rt.dispatch(d.shader, 'statsPartial', { reads: { x }, writes: { statPartials: partials }, params: p, ...levelOne(d) });
  rt.dispatch(d.shader, 'statsFinal', { reads: { partials }, writes: finish, params: p, ...levelTwo(d) });
  rt.pool.release(partials);
  return stats;
}

/**
 * batchStatistics from moments another kernel took: `partials` holds (mean,
 * M2) of each channel's chunks of `chunkPixels` values ([channels, chunks,
 * 2], the last chunk holding the rest of `pixels`), merged in a fixed order
 * (conv2d's statistics epilogue, src/kernels/conv2dbatchnorm.ts).
 */
export function mergeStatistics(
  rt: GpuRuntime,
  partials: GpuBuffer,
  channels: number,
  pixels: number,
  chunkPixels: number,
  running: { mean: GpuBuffer; variance: GpuBuffer; momentum: number; eps: number },
): GpuBuffer {
  // The layout of statsPartial's chunks with one plane of all the pixels.
  const d = { ...dims(rt, [1, channels, 1, 1], []), hw: pixels, chunkSize: chunkPixels, planeChunks: Math.ceil(pixels / chunkPixels), planeGroup: 1, groups: 1 };
  if (partials.bytes < partialBytes(d)) throw new ShapeError(op, `${partials.bytes / 4} partial moments are too few for ${channels} channels of ${pixels} values`);
  const stats = rt.pool.acquire(channels * 2 * 4, 'batchNorm2d statistics');
  rt.dispatch(d.shader, 'statsFinal', {
    reads: { partials },
    writes: { statsOut: stats, runningMean: running.mean, runningVar: running.variance },
    params: { ...params(d), eps: running.eps, momentum: running.momentum },
    ...levelTwo(d),
  });
  return stats;
}

/** Mean and invstd per channel from the running statistics (eval mode). */
export function runningStatistics(rt: GpuRuntime, runningMean: GpuBuffer, runningVar: GpuBuffer, channels: number, eps: number): GpuBuffer {
  const stats = rt.pool.acquire(channels * 2 * 4, 'batchNorm2d statistics');
  rt.dispatch(shaders.forRuns(1).shader, 'runningStats', {
    reads: { runningMeanIn: runningMean, runningVarIn: runningVar },
    writes: { evalStatsOut: stats },
    params: { c: channels, eps },
    workgroups: [Math.ceil(channels / elementWG)],
    constants: { WG: elementWG },
  });
  return stats;
}

/** y = act(xhat * weight + bias + residual); a null weight, bias or residual is left out, act is ReLU or nothing. */
export function batchNormApply(
  rt: GpuRuntime,
  x: GpuBuffer,
  shape: readonly number[],
  stats: GpuBuffer,
  weight: GpuBuffer | null,
  bias: GpuBuffer | null,
  fused: Fused,
): GpuBuffer {
  const d = dims(rt, shape, fused.residual ? [x, fused.residual] : [x]);
  const y = rt.pool.acquire(tensorBytes(d));
  const constants = { HAS_WEIGHT: weight ? 1 : 0, HAS_BIAS: bias ? 1 : 0, RELU: fused.relu ? 1 : 0, RESIDUAL: fused.residual ? 1 : 0 };
  rt.dispatch(d.shader, 'normalise', {
    reads: { x, stats, bias: bias ?? stats, residual: fused.residual ?? x, weight: weight ?? stats },
    writes: { y },
    params: params(d),
    ...elementwise(d, constants),
  });
  return y;
}

export interface GradSums {
  /** sum of dz per channel: the bias gradient. */
  sumDy: GpuBuffer;
  /** sum of dz * xhat per channel: the weight gradient. */
  sumDyXhat: GpuBuffer;
}

/** The per-channel sums of the backward, from dy at the output y (with ReLU fused, dz is dy where y > 0). */
export function batchNormGradSums(rt: GpuRuntime, x: GpuBuffer, dy: GpuBuffer, y: GpuBuffer, shape: readonly number[], stats: GpuBuffer, relu: boolean): GradSums {
  const d = dims(rt, shape, [x, dy, y]);
  const sumDy = rt.pool.acquire(d.c * 4);
  const sumDyXhat = rt.pool.acquire(d.c * 4);
  const reads = { x, stats, dy, output: y };
  const constants = { RELU: relu ? 1 : 0 };
  const one = levelOne(d);
  if (chunksPerChannel(d) === 1) {
    rt.dispatch(d.shader, 'gradWhole', { reads, writes: { sumDyOut: sumDy, sumDyXhatOut: sumDyXhat }, params: params(d), ...one, constants: { ...one.constants, ...constants } });
    return { sumDy, sumDyXhat };
  }
  const partials = rt.pool.acquire(partialBytes(d), 'batchNorm2d gradient partials');
  rt.dispatch(d.shader, 'gradPartial', { reads, writes: { gradPartials: partials }, params: params(d), ...one, constants: { ...one.constants, ...constants } });
  rt.dispatch(d.shader, 'gradFinal', { reads: { partials }, writes: { sumDyMerged: sumDy, sumDyXhatMerged: sumDyXhat }, params: params(d), ...levelTwo(d) });
  rt.pool.release(partials);
  return { sumDy, sumDyXhat };
}

export interface GradInput {
  dx: GpuBuffer;
  /** The residual's gradient (dz), where one was added. */
  dresidual: GpuBuffer | null;
}

/** dx (and the residual's gradient); with `sums` (training) through the batch statistics, without (eval) a per-channel scale. */
export function batchNormGradInput(
  rt: GpuRuntime,
  x: GpuBuffer,
  dy: GpuBuffer,
  y: GpuBuffer,
  shape: readonly number[],
  stats: GpuBuffer,
  weight: GpuBuffer | null,
  sums: GradSums | null,
  fused: { relu: boolean; residual: boolean },
): GradInput {
  const d = dims(rt, shape, [x, dy, y]);
  const dx = rt.pool.acquire(tensorBytes(d));
  const reads = { x, stats, dy, output: y, weight: weight ?? stats, sumDy: sums?.sumDy ?? stats, sumDyXhat: sums?.sumDyXhat ?? stats };
  const launch = { params: params(d), ...elementwise(d, { HAS_WEIGHT: weight ? 1 : 0, TRAINING: sums ? 1 : 0, RELU: fused.relu ? 1 : 0 }) };
  if (!fused.residual) {
    rt.dispatch(d.shader, 'gradInput', { reads, writes: { dx }, ...launch });
    return { dx, dresidual: null };
  }
  const dresidual = rt.pool.acquire(tensorBytes(d));
  rt.dispatch(d.shader, 'gradInputResidual', { reads, writes: { dx, dresidual }, ...launch });
  return { dx, dresidual };
}

export interface TrainingGrad extends GradInput, GradSums {}

/**
 * Values a channel holds at least for the one-launch backward: its dx then runs
 * on C workgroups only. On lavapipe (bench/convbn.ts, CPU time, batch 8, under
 * load) one launch took 0.64-0.93 of the time of two at 7680 and 30720 values
 * a channel, 1.0-1.09 at 1920. On GPUs a channel of one chunk is smaller than this.
 */
const oneLaunchValues = 4096;

/**
 * The training backward: the sums and dx (and the residual's gradient) in one
 * launch where a channel is one chunk of at least oneLaunchValues, else
 * batchNormGradSums then batchNormGradInput.
 */
export function batchNormTrainingGrad(
  rt: GpuRuntime,
  x: GpuBuffer,
  dy: GpuBuffer,
  y: GpuBuffer,
  shape: readonly number[],
  stats: GpuBuffer,
  weight: GpuBuffer | null,
  fused: { relu: boolean; residual: boolean },
): TrainingGrad {
  const d = dims(rt, shape, [x, dy, y]);
  if (chunksPerChannel(d) > 1 || d.batch * d.hw * d.lanes < oneLaunchValues) {
    const sums = batchNormGradSums(rt, x, dy, y, shape, stats, fused.relu);
    return { ...sums, ...batchNormGradInput(rt, x, dy, y, shape, stats, weight, sums, fused) };
  }
  const sumDy = rt.pool.acquire(d.c * 4);
  const sumDyXhat = rt.pool.acquire(d.c * 4);
  const dx = rt.pool.acquire(tensorBytes(d));
  const dresidual = fused.residual ? rt.pool.acquire(tensorBytes(d)) : null;
  const one = levelOne(d);
  rt.dispatch(d.shader, dresidual ? 'gradWholeInputResidual' : 'gradWholeInput', {
    reads: { x, stats, dy, output: y, weight: weight ?? stats },
    writes: { gradBiasOut: sumDy, gradWeightOut: sumDyXhat, dx, ...(dresidual ? { dresidual } : {}) },
    params: params(d),
    ...one,
    constants: { ...one.constants, HAS_WEIGHT: weight ? 1 : 0, RELU: fused.relu ? 1 : 0 },
  });
  return { sumDy, sumDyXhat, dx, dresidual };
}
