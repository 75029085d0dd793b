// Adaptive average pool 2d launches (shaders/adaptiveavgpool2d.wgsl): one
// invocation per output element forward, one per input element backward.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { shader } from '../gpu/shader';
import source from '../../shaders/adaptiveavgpool2d.wgsl';
import { perElement } from './grid';
import { resizedShape } from './nchw';

const adaptiveavgpool2d = shader('adaptiveavgpool2d', source, {
  bindings: { forward: { reads: ['x'], writes: ['y'] }, backward: { reads: ['dy'], writes: ['dx'] } },
});
const WG = 64;

export const adaptiveAvgPool2dOutputShape = (shape: readonly number[], outH: number, outW: number) => resizedShape('adaptiveAvgPool2d', shape, outH, outW);

function params(shape: readonly number[], oh: number, ow: number) {
  const [n, c, h, w] = shape as [number, number, number, number];
  return { planes: n * c, h, w, oh, ow };
}

export function adaptiveAvgPool2dForward(rt: GpuRuntime, x: GpuBuffer, shape: readonly number[], outH: number, outW: number): GpuBuffer {
  const count = adaptiveAvgPool2dOutputShape(shape, outH, outW).reduce((a, b) => a * b, 1);
  const y = rt.pool.acquire(count * 4, 'an adaptive average pool output');
  rt.dispatch(adaptiveavgpool2d, 'forward', { reads: { x }, writes: { y }, params: params(shape, outH, outW), ...perElement(count, WG) });
  return y;
}

/** dx of the input `shape` from dy of shape [n, c, outH, outW]. */
export function adaptiveAvgPool2dBackward(rt: GpuRuntime, dy: GpuBuffer, shape: readonly number[], outH: number, outW: number): GpuBuffer {
  adaptiveAvgPool2dOutputShape(shape, outH, outW);
  const count = shape.reduce((a, b) => a * b, 1);
  const dx = rt.pool.acquire(count * 4, 'an adaptive average pool input gradient');
  rt.dispatch(adaptiveavgpool2d, 'backward', { reads: { dy }, writes: { dx }, params: params(shape, outH, outW), ...perElement(count, WG) });
  return dx;
}
