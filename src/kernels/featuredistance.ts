// Per-pixel mean over channels of (a - b)^2 (shaders/featuredistance.wgsl).

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { shader } from '../gpu/shader';
import source from '../../shaders/featuredistance.wgsl';
import { pixelCount, pixelParams, type Nchw } from './channelshapes';
import { perElement } from './grid';

const featuredistance = shader('featuredistance', source, {
  bindings: {
    forward: { reads: ['a', 'b'], writes: ['distance'] },
    backward: { reads: ['a', 'b', 'g'], writes: ['da'] },
  },
});
const WG = 64;

const params = (shape: Nchw) => ({ ...pixelParams(shape), twoOverC: 2 / shape[1] });

/** a, b [N, C, H, W] -> [N, 1, H, W]. */
export function featureDistanceForward(rt: GpuRuntime, a: GpuBuffer, b: GpuBuffer, shape: Nchw): GpuBuffer {
  const pixels = pixelCount(shape);
  const distance = rt.pool.acquire(pixels * 4, 'a feature distance map');
  rt.dispatch(featuredistance, 'forward', { reads: { a, b }, writes: { distance }, params: params(shape), ...perElement(pixels, WG) });
  return distance;
}

/** d out / d a given g [N, 1, H, W]; d out / d b is its negative. */
export function featureDistanceBackward(rt: GpuRuntime, a: GpuBuffer, b: GpuBuffer, g: GpuBuffer, shape: Nchw): GpuBuffer {
  const n = pixelCount(shape) * shape[1];
  const da = rt.pool.acquire(n * 4, 'a feature distance gradient');
  rt.dispatch(featuredistance, 'backward', { reads: { a, b, g }, writes: { da }, params: params(shape), ...perElement(n, WG) });
  return da;
}
