import { ShapeError, formatShape } from '../../base/shape';
import type { GpuBuffer } from '../../gpu';
import { conv2dGradBias, conv2dOutputSize, type Conv2dGeometry } from '../../kernels/conv2d';
import { convForward, convGradInput, convGradWeight, type ConvAlgorithm, type ConvLaunchOptions } from '../../kernels/conv2dalgorithm';
import type { Tiling } from '../../kernels/rowblocking';
import { record } from '../tape';
import { Tensor } from '../tensor';

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  /** Forces a tiling instead of the adapter's default (tests check both). */
  tiling?: Tiling;
  /** Forces the algorithm of the forward, grad input and grad weight instead of the one tuned for this shape (src/kernels/conv2dalgorithm.ts). */
  algorithm?: ConvAlgorithm;
}

/** The launch geometry of conv2d(x, weight, bias, options); throws ShapeError naming conv2d and the shapes. */
export function conv2dGeometry(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions): Conv2dGeometry {
  const shapes = `input ${formatShape(x.shape)}, weight ${formatShape(weight.shape)}`;
  if (x.shape.length !== 4 || weight.shape.length !== 4) throw new ShapeError('conv2d', `input and weight must be 4D: ${shapes}`);
  const [n, cIn, h, w] = x.shape as [number, number, number, number];
  const [cOut, wIn, kh, kw] = weight.shape as [number, number, number, number];
  if (wIn !== cIn) throw new ShapeError('conv2d', `input channels ${cIn} differ from weight input channels ${wIn}: ${shapes}`);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== cOut)) {
    throw new ShapeError('conv2d', `bias ${formatShape(bias.shape)} does not match ${cOut} output channels of weight ${formatShape(weight.shape)}`);
  }
  return { n, cIn, h, w, cOut, kh, kw, stride: options.stride ?? 1, padding: options.padding ?? 0, dilation: options.dilation ?? 1 };
}

/** PyTorch's conv2d (NCHW, weight [cOut, cIn, kh, kw]), differentiable in x, weight and bias. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const g = conv2dGeometry(x, weight, bias, options);
  const launch = { tiling: options.tiling, algorithm: options.algorithm };
  return recordConv2d(x, weight, bias, g, convForward(x.rt, x.buffer, weight.buffer, bias?.buffer ?? null, g, null, launch), launch);
}

/** conv2d's output `y` [n, cOut, ho, wo], computed by the caller, recorded with conv2d's backward. */
export function recordConv2d(x: Tensor, weight: Tensor, bias: Tensor | null, g: Conv2dGeometry, yBuffer: GpuBuffer, launch: ConvLaunchOptions = {}): Tensor {
  const { ho, wo } = conv2dOutputSize(g);
  const rt = x.rt;
  const y = new Tensor(rt, [g.n, g.cOut, ho, wo], yBuffer);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record('conv2d', inputs, y, (dy) => [
    x.requiresGrad ? new Tensor(rt, x.shape, convGradInput(rt, dy.buffer, weight.buffer, g, launch)) : null,
    weight.requiresGrad ? new Tensor(rt, weight.shape, convGradWeight(rt, x.buffer, dy.buffer, g, launch)) : null,
    bias?.requiresGrad ? new Tensor(rt, bias.shape, conv2dGradBias(rt, dy.buffer, g)) : null,
  ]);
}
