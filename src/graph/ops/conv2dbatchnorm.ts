// conv2d followed by a batch norm, and what a residual network fuses after
// that: relu(bn(conv(x)) + residual). Inference (conv2dBatchNormEval): one conv
// launch with the batch norm's running statistics folded into its weights and
// bias (src/kernels/conv2dbatchnorm.ts), no normalisation pass; it records
// nothing for autograd; convBn in src/graph/nn chooses it. Training
// (conv2dBatchNorm): the batch statistics taken in the conv's epilogue, then
// the normalisation; recorded as conv2d's and batchNorm2d's backward. Opt-in:
// on lavapipe the epilogue costs more than the statistics pass it saves
// (bench/convbn.ts, docs/design.md), so convBn runs the two layers in training.

import { GpuError } from '../../gpu/errors';
import { checkBatchNorm2dShapes } from '../../kernels/batchnorm2d';
import { conv2dOutputSize, type Conv2dGeometry } from '../../kernels/conv2d';
import { conv2dBatchStatistics, conv2dBatchNormEval as kernel } from '../../kernels/conv2dbatchnorm';
import { isGradEnabled } from '../tape';
import { Tensor } from '../tensor';
import { batchNorm2dWithStatistics } from './batchnorm2d';
import { conv2dGeometry, recordConv2d, type Conv2dOptions } from './conv2d';

export interface Conv2dBatchNormEvalParams {
  conv: { weight: Tensor; bias: Tensor | null } & Conv2dOptions;
  bn: { weight: Tensor | null; bias: Tensor | null; runningMean: Tensor; runningVar: Tensor; eps?: number };
  /** Added after the batch norm, before `relu`; the output's shape. */
  residual?: Tensor | null;
  relu?: boolean;
}

/** The conv's geometry and output shape; throws ShapeError (conv2d's or batchNorm2d's) before anything runs. */
function checkShapes(x: Tensor, params: Conv2dBatchNormEvalParams, training: boolean): { g: Conv2dGeometry; shape: number[] } {
  const { conv, bn, residual } = params;
  const g = conv2dGeometry(x, conv.weight, conv.bias, conv);
  const { ho, wo } = conv2dOutputSize(g);
  const shape = [g.n, g.cOut, ho, wo];
  checkBatchNorm2dShapes({
    x: shape,
    weight: bn.weight?.shape ?? null,
    bias: bn.bias?.shape ?? null,
    runningMean: bn.runningMean.shape,
    runningVar: bn.runningVar.shape,
    training,
    residual: residual?.shape ?? null,
  });
  return { g, shape };
}

export function conv2dBatchNormEval(x: Tensor, params: Conv2dBatchNormEvalParams): Tensor {
  const { conv, bn, residual = null, relu = false } = params;
  const inputs = [x, conv.weight, conv.bias, bn.weight, bn.bias, residual];
  if (isGradEnabled() && inputs.some((t) => t?.requiresGrad)) {
    throw new GpuError('conv2dBatchNormEval records no gradient: where one is needed, use conv2d and batchNorm2d');
  }
  const { g, shape } = checkShapes(x, params, false);
  const frozen = { weight: bn.weight?.buffer ?? null, bias: bn.bias?.buffer ?? null, runningMean: bn.runningMean.buffer, runningVar: bn.runningVar.buffer, eps: bn.eps ?? 1e-5 };
  return new Tensor(x.rt, shape, kernel(x.rt, x.buffer, conv.weight.buffer, conv.bias?.buffer ?? null, g, frozen, { residual: residual?.buffer ?? null, relu }, { tiling: conv.tiling, algorithm: conv.algorithm }));
}

export interface Conv2dBatchNormParams {
  conv: { weight: Tensor; bias: Tensor | null } & Conv2dOptions;
  /** A training batch norm: batch statistics, the running ones moved (momentum default 0.1, eps 1e-5). */
  bn: { weight: Tensor | null; bias: Tensor | null; runningMean: Tensor; runningVar: Tensor; momentum?: number; eps?: number };
  /** Added after the batch norm, before `relu`; the output's shape. */
  residual?: Tensor | null;
  relu?: boolean;
}

/** batchNorm2d(conv2d(x)) in training mode, the same values and gradients, without a statistics pass over the conv's output. */
export function conv2dBatchNorm(x: Tensor, params: Conv2dBatchNormParams): Tensor {
  const { conv, bn, residual = null, relu = false } = params;
  const { g } = checkShapes(x, params, true);
  const bnParams = { ...bn, training: true, residual, relu };
  const running = { runningMean: bn.runningMean.buffer, runningVar: bn.runningVar.buffer, momentum: bn.momentum ?? 0.1, eps: bn.eps ?? 1e-5 };
  const { y, stats } = conv2dBatchStatistics(x.rt, x.buffer, conv.weight.buffer, conv.bias?.buffer ?? null, g, running, conv.tiling);
  return batchNorm2dWithStatistics(recordConv2d(x, conv.weight, conv.bias, g, y, { tiling: conv.tiling, algorithm: conv.algorithm }), stats, bnParams);
}
