import type { GpuBuffer, GpuRuntime } from '../gpu';
import { shader } from '../gpu/shader';
import source from '../../shaders/dropout.wgsl';
import { perElement } from './grid';

const dropout = shader('dropout', source, { bindings: { apply: { reads: ['x'], writes: ['y'] } } });
const WG = 64;

/** x * mask / keep, one mask value per `group` elements; the same seed gives the same
 * mask, so it also serves as the backward. */
export function dropoutApply(rt: GpuRuntime, x: GpuBuffer, n: number, keep: number, seed: number, group = 1): GpuBuffer {
  const y = rt.pool.acquire(n * 4);
  rt.dispatch(dropout, 'apply', { reads: { x }, writes: { y }, params: { n, seed: seed >>> 0, keep, group }, ...perElement(n, WG) });
  return y;
}
