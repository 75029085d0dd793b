// Launches of conv2d followed by a batch norm. Inference (fixed statistics, and
// the residual add and ReLU after it): the batch norm folded into the conv's
// weights and bias (shaders/conv2dbatchnorm.wgsl), then one conv launch with the
// epilogue, instead of a conv, a normalisation pass and its statistics.
// Training: the batch statistics taken in the conv's epilogue as it writes its
// output, so no statistics pass reads it again.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { derived } from '../gpu/derived';
import { shader } from '../gpu/shader';
import source from '../../shaders/conv2dbatchnorm.wgsl';
import { mergeStatistics, batchStatistics } from './batchnorm2d';
import { conv2dForward, conv2dForwardStatistics, conv2dOutputSize, type Conv2dGeometry, type ConvEpilogue } from './conv2d';
import { convForward, type ConvLaunchOptions } from './conv2dalgorithm';
import { defaultTiling, type Tiling } from './rowblocking';
import { perElement } from './grid';

const conv2dBatchNorm = shader('conv2dbatchnorm', source, {
  bindings: { fold: { reads: ['weight', 'convBias', 'runningMean', 'runningVar', 'bnWeight', 'bnBias'], writes: ['foldedWeight', 'foldedBias'] } },
});
const WG = 64;

export interface FrozenBatchNorm {
  weight: GpuBuffer | null;
  bias: GpuBuffer | null;
  runningMean: GpuBuffer;
  runningVar: GpuBuffer;
  eps: number;
}

/** act(bn(conv(x, weight) + convBias) + residual), bn with its running statistics; shapes are the caller's to check. */
export function conv2dBatchNormEval(
  rt: GpuRuntime,
  x: GpuBuffer,
  weight: GpuBuffer,
  convBias: GpuBuffer | null,
  g: Conv2dGeometry,
  bn: FrozenBatchNorm,
  epilogue: ConvEpilogue,
  launch: ConvLaunchOptions = {},
): GpuBuffer {
  const perChannel = g.cIn * g.kh * g.kw;
  const sources = [weight, convBias, bn.runningMean, bn.runningVar, bn.weight, bn.bias];
  const key = `conv2d batch-norm fold ${sources.map((b) => b?.id ?? '-').join(' ')} ${g.cOut}x${perChannel} eps ${bn.eps}`;
  const folded = derived(rt, key, sources.filter((b) => b !== null), () => {
    const foldedWeight = rt.pool.acquire(g.cOut * perChannel * 4, 'a conv weight with its batch norm folded in');
    const foldedBias = rt.pool.acquire(g.cOut * 4, 'a conv bias with its batch norm folded in');
    rt.dispatch(conv2dBatchNorm, 'fold', {
      reads: { weight, convBias: convBias ?? weight, runningMean: bn.runningMean, runningVar: bn.runningVar, bnWeight: bn.weight ?? weight, bnBias: bn.bias ?? weight },
      writes: { foldedWeight, foldedBias },
      params: { cOut: g.cOut, perChannel, eps: bn.eps },
      ...perElement(g.cOut * perChannel, WG),
      constants: { WG, HAS_CONV_BIAS: convBias ? 1 : 0, HAS_BN_WEIGHT: bn.weight ? 1 : 0, HAS_BN_BIAS: bn.bias ? 1 : 0 },
      specialise: true,
    });
    return [foldedWeight, foldedBias];
  });
  const [foldedWeight, foldedBias] = folded.buffers as [GpuBuffer, GpuBuffer];
  const y = convForward(rt, x, foldedWeight, foldedBias, g, epilogue, launch);
  if (!folded.kept) for (const b of folded.buffers) rt.pool.release(b);
  return y;
}

export interface TrainingBatchNorm {
  /** Moved in place towards the batch's mean and unbiased variance. */
  runningMean: GpuBuffer;
  runningVar: GpuBuffer;
  momentum: number;
  eps: number;
}

/**
 * conv(x, weight) + convBias and its batch statistics (mean[cOut] then
 * invstd[cOut]), the running statistics moved. On the blocked tilings the
 * statistics come from the conv's epilogue; shared-memory tiles have no such
 * epilogue, and there a statistics pass reads the output.
 */
export function conv2dBatchStatistics(
  rt: GpuRuntime,
  x: GpuBuffer,
  weight: GpuBuffer,
  convBias: GpuBuffer | null,
  g: Conv2dGeometry,
  bn: TrainingBatchNorm,
  tiling: Tiling = defaultTiling(rt),
): { y: GpuBuffer; stats: GpuBuffer } {
  const { ho, wo } = conv2dOutputSize(g);
  if (tiling === 'tiled') {
    const y = conv2dForward(rt, x, weight, convBias, g, tiling);
    return { y, stats: batchStatistics(rt, y, [g.n, g.cOut, ho, wo], bn.runningMean, bn.runningVar, bn.momentum, bn.eps) };
  }
  const { y, partials, chunkPixels } = conv2dForwardStatistics(rt, x, weight, convBias, g, tiling);
  const running = { mean: bn.runningMean, variance: bn.runningVar, momentum: bn.momentum, eps: bn.eps };
  const stats = mergeStatistics(rt, partials, g.cOut, g.n * ho * wo, chunkPixels, running);
  rt.pool.release(partials);
  return { y, stats };
}
