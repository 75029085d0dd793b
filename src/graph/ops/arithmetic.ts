// add, subtract, multiply, scale, relu, and the ones that seed backward.

import { ShapeError, formatShape } from '../../base/shape';
import * as kernels from '../../kernels/elementwise';
import { record } from '../tape';
import { Tensor, type Shape } from '../tensor';

export function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(op, `shapes differ: ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
}

export function full(like: Tensor | { rt: Tensor['rt']; shape: Shape }, value: number): Tensor {
  return new Tensor(like.rt, like.shape, kernels.fill(like.rt, like.shape.reduce((x, y) => x * y, 1), value));
}

export const onesLike = (t: Tensor): Tensor => full(t, 1);

/** a + alpha * b */
export function addScaled(a: Tensor, b: Tensor, alpha = 1): Tensor {
  sameShape('add', a, b);
  const out = new Tensor(a.rt, a.shape, kernels.addScaled(a.rt, a.buffer, b.buffer, a.size, alpha));
  return record('add', [a, b], out, (g) => [g, alpha === 1 ? g : scale(g, alpha)]);
}

export const add = (a: Tensor, b: Tensor): Tensor => addScaled(a, b, 1);
export const subtract = (a: Tensor, b: Tensor): Tensor => addScaled(a, b, -1);

export function multiply(a: Tensor, b: Tensor): Tensor {
  sameShape('multiply', a, b);
  const out = new Tensor(a.rt, a.shape, kernels.multiply(a.rt, a.buffer, b.buffer, a.size));
  return record('multiply', [a, b], out, (g) => [multiply(g, b), multiply(g, a)]);
}

export function scale(a: Tensor, alpha: number): Tensor {
  const out = new Tensor(a.rt, a.shape, kernels.scale(a.rt, a.buffer, a.size, alpha));
  return record('scale', [a], out, (g) => [scale(g, alpha)]);
}

export function relu(x: Tensor): Tensor {
  const y = new Tensor(x.rt, x.shape, kernels.reluForward(x.rt, x.buffer, x.size));
  return record('relu', [x], y, (dy) => [new Tensor(x.rt, x.shape, kernels.reluBackward(x.rt, x.buffer, dy.buffer, x.size))]);
}
