// Inference: conv2d followed by a batch norm on its running statistics, and
// what a residual network fuses after that (relu(bn(conv(x)) + residual)), as
// one conv launch with the batch norm folded into its weights and bias
// (src/kernels/conv2dbatchnorm.ts): no normalisation pass over the output.
// It records nothing for autograd; where a gradient is needed the model runs
// conv2d and batchNorm2d instead (convBn in src/graph/nn chooses).

import { GpuError } from '../../gpu/errors';
import { checkBatchNorm2dShapes } from '../../kernels/batchnorm2d';
import { conv2dOutputSize } from '../../kernels/conv2d';
import { conv2dBatchNormEval as kernel } from '../../kernels/conv2dbatchnorm';
import { isGradEnabled } from '../tape';
import { Tensor } from '../tensor';
import { conv2dGeometry, type Conv2dOptions } from './conv2d';

export interface Conv2dBatchNormEvalParams {
  conv: { weight: Tensor; bias: Tensor | null } & Conv2dOptions;
  bn: { weight: Tensor | null; bias: Tensor | null; runningMean: Tensor; runningVar: Tensor; eps?: number };
  /** Added after the batch norm, before `relu`; the output's shape. */
  residual?: Tensor | null;
  relu?: boolean;
}

export function conv2dBatchNormEval(x: Tensor, params: Conv2dBatchNormEvalParams): Tensor {
  const { conv, bn, residual = null, relu = false } = params;
  const inputs = [x, conv.weight, conv.bias, bn.weight, bn.bias, residual];
  if (isGradEnabled() && inputs.some((t) => t?.requiresGrad)) {
    throw new GpuError('conv2dBatchNormEval records no gradient: where one is needed, use conv2d and batchNorm2d');
  }
  const g = conv2dGeometry(x, conv.weight, conv.bias, conv);
  const { ho, wo } = conv2dOutputSize(g);
  const shape = [g.n, g.cOut, ho, wo];
  checkBatchNorm2dShapes({
    x: shape,
    weight: bn.weight?.shape ?? null,
    bias: bn.bias?.shape ?? null,
    runningMean: bn.runningMean.shape,
    runningVar: bn.runningVar.shape,
    training: false,
    residual: residual?.shape ?? null,
  });
  const frozen = { weight: bn.weight?.buffer ?? null, bias: bn.bias?.buffer ?? null, runningMean: bn.runningMean.buffer, runningVar: bn.runningVar.buffer, eps: bn.eps ?? 1e-5 };
  return new Tensor(x.rt, shape, kernel(x.rt, x.buffer, conv.weight.buffer, conv.bias?.buffer ?? null, g, frozen, { residual: residual?.buffer ?? null, relu }, { tiling: conv.tiling, algorithm: conv.algorithm }));
}
