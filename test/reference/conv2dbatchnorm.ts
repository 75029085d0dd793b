// Float64 references of conv2d followed by a batch norm: the references of the
// ops they replace, composed (conv2d, batch norm on running or batch
// statistics, then the residual and ReLU).
import type { Conv2dGeometry } from '../../src/kernels/conv2d';
import { fuse, fusedGrad, normalise, training, trainingGrad, type Affine, type Fused, type Shape4, type Statistics } from './batchnorm2d';
import { conv2d, conv2dGradBias, conv2dGradInput, conv2dGradWeight } from './conv2d';

export function conv2dBatchNormEval(x: Float64Array, weight: Float64Array, bias: Float64Array | null, g: Conv2dGeometry, outShape: Shape4, stats: Statistics, affine: Affine, eps: number, fused: Fused): Float64Array {
  return fuse(normalise(conv2d(x, weight, bias, g), outShape, stats, affine, eps), fused);
}

/** Training: the batch norm with the statistics of the batch. */
export function conv2dBatchNorm(x: Float64Array, weight: Float64Array, bias: Float64Array | null, g: Conv2dGeometry, outShape: Shape4, affine: Affine, eps: number, fused: Fused): Float64Array {
  return fuse(training(conv2d(x, weight, bias, g), outShape, affine, eps), fused);
}

export interface Conv2dBatchNormGradients {
  dx: Float64Array;
  dweight: Float64Array;
  dconvBias: Float64Array;
  dbnWeight: Float64Array;
  dbnBias: Float64Array;
  dresidual: Float64Array;
}

export function conv2dBatchNormGrad(
  x: Float64Array,
  weight: Float64Array,
  bias: Float64Array | null,
  g: Conv2dGeometry,
  outShape: Shape4,
  affine: Affine,
  eps: number,
  fused: Fused,
  gy: Float64Array,
): Conv2dBatchNormGradients {
  const z = conv2d(x, weight, bias, g);
  const dresidual = fusedGrad(training(z, outShape, affine, eps), fused, gy);
  const bn = trainingGrad(z, outShape, affine.weight, eps, dresidual);
  return {
    dx: conv2dGradInput(weight, bn.dx, g),
    dweight: conv2dGradWeight(x, bn.dx, g),
    dconvBias: conv2dGradBias(bn.dx, g),
    dbnWeight: bn.dweight,
    dbnBias: bn.dbias,
    dresidual,
  };
}
