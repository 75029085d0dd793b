// Bilinear resampling launches (shaders/upsamplebilinear.wgsl): one invocation
// per output element forward, one per input element backward.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { shader } from '../gpu/shader';
import source from '../../shaders/upsamplebilinear.wgsl';
import { perElement } from './grid';
import { resizedShape } from './nchw';

const upsamplebilinear = shader('upsamplebilinear', source, {
  bindings: { forward: { reads: ['x'], writes: ['y'] }, backward: { reads: ['dy'], writes: ['dx'] } },
});
const WG = 64;

export const upsampleBilinearOutputShape = (shape: readonly number[], outH: number, outW: number) => resizedShape('upsampleBilinear', shape, outH, outW);

/** PyTorch's area_pixel_compute_scale for an output size (no scale factor given). */
function sourceScale(inSize: number, outSize: number, alignCorners: boolean): number {
  if (alignCorners) return outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  return inSize / outSize;
}

function params(shape: readonly number[], oh: number, ow: number, alignCorners: boolean) {
  const [n, c, h, w] = shape as [number, number, number, number];
  return { planes: n * c, h, w, oh, ow, scaleH: sourceScale(h, oh, alignCorners), scaleW: sourceScale(w, ow, alignCorners), alignCorners };
}

export function upsampleBilinearForward(rt: GpuRuntime, x: GpuBuffer, shape: readonly number[], outH: number, outW: number, alignCorners: boolean): GpuBuffer {
  const count = upsampleBilinearOutputShape(shape, outH, outW).reduce((a, b) => a * b, 1);
  const y = rt.pool.acquire(count * 4, 'a bilinear resampling output');
  rt.dispatch(upsamplebilinear, 'forward', { reads: { x }, writes: { y }, params: params(shape, outH, outW, alignCorners), ...perElement(count, WG) });
  return y;
}

/** dx of the input `shape` from dy of shape [n, c, outH, outW]. */
export function upsampleBilinearBackward(rt: GpuRuntime, dy: GpuBuffer, shape: readonly number[], outH: number, outW: number, alignCorners: boolean): GpuBuffer {
  upsampleBilinearOutputShape(shape, outH, outW);
  const count = shape.reduce((a, b) => a * b, 1);
  const dx = rt.pool.acquire(count * 4, 'a bilinear resampling input gradient');
  rt.dispatch(upsamplebilinear, 'backward', { reads: { dy }, writes: { dx }, params: params(shape, outH, outW, alignCorners), ...perElement(count, WG) });
  return dx;
}
