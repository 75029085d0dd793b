import type { GpuBuffer, GpuRuntime } from '../gpu';
import { shader } from '../gpu/shader';
import source from '../../shaders/finite.wgsl';
import { perElement } from './grid';

const finite = shader('finite', source, {
  bindings: { reset: { writes: ['resetTarget'] }, check: { reads: ['values'], writes: ['flag'] } },
  types: { resetTarget: 'atomic<u32>', flag: 'atomic<u32>' },
});
const WG = 64;

/** A new flag buffer set to 1 (finite). */
export function finiteFlag(rt: GpuRuntime): GpuBuffer {
  const flag = rt.pool.acquire(4, 'the finite flag');
  rt.dispatch(finite, 'reset', { writes: { resetTarget: flag }, workgroups: [1] });
  return flag;
}

/** Clears the flag if any of the n values is NaN or infinite. */
export function checkFinite(rt: GpuRuntime, values: GpuBuffer, n: number, flag: GpuBuffer): void {
  rt.dispatch(finite, 'check', { reads: { values }, writes: { flag }, params: { n }, ...perElement(n, WG) });
}
