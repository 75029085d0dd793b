// Float64 reference of the folded inference op: the references of the ops it
// replaces, composed (conv2d, batch norm on running statistics, then the
// residual and ReLU).
import type { Conv2dGeometry } from '../../src/kernels/conv2d';
import { fuse, normalise, type Affine, type Fused, type Shape4, type Statistics } from './batchnorm2d';
import { conv2d } from './conv2d';

export function conv2dBatchNormEval(x: Float64Array, weight: Float64Array, bias: Float64Array | null, g: Conv2dGeometry, outShape: Shape4, stats: Statistics, affine: Affine, eps: number, fused: Fused): Float64Array {
  return fuse(normalise(conv2d(x, weight, bias, g), outShape, stats, affine, eps), fused);
}
