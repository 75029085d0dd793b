// Inference launches of conv2d followed by a batch norm with fixed statistics
// (and the residual add and ReLU after it): the batch norm folded into the
// conv's weights and bias (shaders/conv2dbatchnorm.wgsl), then one conv launch
// with the epilogue, instead of a conv, a normalisation pass and its statistics.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { shader } from '../gpu/shader';
import source from '../../shaders/conv2dbatchnorm.wgsl';
import type { Conv2dGeometry, ConvEpilogue } from './conv2d';
import { convForward, type ConvLaunchOptions } from './conv2dalgorithm';
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
  const y = convForward(rt, x, foldedWeight, foldedBias, g, epilogue, launch);
  rt.pool.release(foldedWeight);
  rt.pool.release(foldedBias);
  return y;
}
