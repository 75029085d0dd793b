import type { GpuBuffer, GpuRuntime } from '../gpu';
import { shader } from '../gpu/shader';
import source from '../../shaders/relu.wgsl';
import { grid1d } from './grid';

const relu = shader('relu', source);
const WG = 64;

export function reluForward(rt: GpuRuntime, x: GpuBuffer, n: number): GpuBuffer {
  const y = rt.pool.acquire(n * 4);
  rt.dispatch(relu, 'forward', { reads: { x }, writes: { y }, params: { n }, workgroups: grid1d(n, WG), constants: { WG } });
  return y;
}

export function reluBackward(rt: GpuRuntime, x: GpuBuffer, dy: GpuBuffer, n: number): GpuBuffer {
  const dx = rt.pool.acquire(n * 4);
  rt.dispatch(relu, 'backward', { reads: { x, dy }, writes: { dx }, params: { n }, workgroups: grid1d(n, WG), constants: { WG } });
  return dx;
}
