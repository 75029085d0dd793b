// A conv and the batch norm after it (then a residual and ReLU), as residual
// networks pair them: in eval mode with no gradient needed, one conv launch
// with the batch norm folded in (conv2dBatchNormEval); otherwise the two layers.

import { conv2dBatchNormEval } from '../ops/conv2dbatchnorm';
import { isGradEnabled } from '../tape';
import type { Tensor } from '../tensor';
import type { BatchNorm2d } from './batchnorm2d';
import type { Conv2d } from './conv2d';

export function convBn(conv: Conv2d, bn: BatchNorm2d, x: Tensor, fused: { residual?: Tensor; relu?: boolean } = {}): Tensor {
  const needsGrad = isGradEnabled() && [x, conv.weight, conv.bias, bn.weight, bn.bias, fused.residual].some((t) => t?.requiresGrad);
  if (bn.training || needsGrad) return bn.forward(conv.forward(x), fused);
  return conv2dBatchNormEval(x, {
    conv: { weight: conv.weight, bias: conv.bias, stride: conv.stride, padding: conv.padding, dilation: conv.dilation },
    bn: { weight: bn.weight, bias: bn.bias, runningMean: bn.running_mean, runningVar: bn.running_var, eps: bn.eps },
    ...fused,
  });
}
