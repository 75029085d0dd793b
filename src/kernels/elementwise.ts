// Element-wise launches (shaders/elementwise.wgsl): n elements, one invocation each.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError } from '../base/shape';
import { shader, type ShaderOptions } from '../gpu/shader';
import source from '../../shaders/elementwise.wgsl';
import { perElement } from './grid';

/** Exported for the tests that compile variants of shaders/elementwise.wgsl. */
export const elementwiseOptions: ShaderOptions = {
  bindings: {
    addScaled: { reads: ['a', 'b'], writes: ['outAB'] },
    multiply: { reads: ['a', 'b'], writes: ['outAB'] },
    scale: { reads: ['a'], writes: ['outA'] },
    fill: { writes: ['out0'] },
    relu: { reads: ['a'], writes: ['outA'] },
    reluGrad: { reads: ['a', 'b'], writes: ['outAB'] },
  },
};
const elementwise = shader('elementwise', source, elementwiseOptions);
const WG = 64;

function sameSize(op: string, a: GpuBuffer, b: GpuBuffer, n: number): void {
  if (a.bytes < n * 4 || b.bytes < n * 4) throw new ShapeError(op, `operands hold ${a.bytes / 4} and ${b.bytes / 4} values, need ${n}`);
}

/** a + alpha * b, n elements. */
export function addScaled(rt: GpuRuntime, a: GpuBuffer, b: GpuBuffer, n: number, alpha = 1): GpuBuffer {
  sameSize('add', a, b, n);
  const outAB = rt.pool.acquire(n * 4);
  rt.dispatch(elementwise, 'addScaled', { reads: { a, b }, writes: { outAB }, params: { n, alpha }, ...perElement(n, WG) });
  return outAB;
}

export function multiply(rt: GpuRuntime, a: GpuBuffer, b: GpuBuffer, n: number): GpuBuffer {
  sameSize('multiply', a, b, n);
  const outAB = rt.pool.acquire(n * 4);
  rt.dispatch(elementwise, 'multiply', { reads: { a, b }, writes: { outAB }, params: { n }, ...perElement(n, WG) });
  return outAB;
}

export function scale(rt: GpuRuntime, a: GpuBuffer, n: number, alpha: number): GpuBuffer {
  const outA = rt.pool.acquire(n * 4);
  rt.dispatch(elementwise, 'scale', { reads: { a }, writes: { outA }, params: { n, alpha }, ...perElement(n, WG) });
  return outA;
}

/** Sets n elements of `target` (or of a new buffer) to `value`. */
export function fill(rt: GpuRuntime, n: number, value: number, target = rt.pool.acquire(n * 4)): GpuBuffer {
  rt.dispatch(elementwise, 'fill', { writes: { out0: target }, params: { n, alpha: value }, ...perElement(n, WG) });
  return target;
}

export function reluForward(rt: GpuRuntime, x: GpuBuffer, n: number): GpuBuffer {
  const y = rt.pool.acquire(n * 4);
  rt.dispatch(elementwise, 'relu', { reads: { a: x }, writes: { outA: y }, params: { n }, ...perElement(n, WG) });
  return y;
}

/** dx = dy where x > 0, else 0. */
export function reluBackward(rt: GpuRuntime, x: GpuBuffer, dy: GpuBuffer, n: number): GpuBuffer {
  const dx = rt.pool.acquire(n * 4);
  rt.dispatch(elementwise, 'reluGrad', { reads: { a: x, b: dy }, writes: { outAB: dx }, params: { n }, ...perElement(n, WG) });
  return dx;
}
