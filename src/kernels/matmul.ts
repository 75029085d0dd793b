// C[M, N] = A[M, K] x B[K, N] (row-major), in the tiling that suits the adapter.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError } from '../base/shape';
import source from '../../shaders/matmul.wgsl';
import { blockedShaders, defaultTiling, rowGroupsFor, rowSharing, type Tiling } from './rowblocking';
import { tiledEntryPoints } from './tiled-entry-points';

const product = { reads: ['a', 'b'], writes: ['c'] };
const shaders = blockedShaders('matmul', source, { bindings: { tiled: product, blocked: product } }, tiledEntryPoints({ tiled: { depth: 'p.k', readA: 'aAt(', readB: 'bAt(', write: 'storeC(' } }));

const blockCols = 4;
const blockWorkgroup = 128;
const tile = 16;

export function matmul(rt: GpuRuntime, a: GpuBuffer, b: GpuBuffer, m: number, k: number, n: number, tiling: Tiling = defaultTiling(rt)): GpuBuffer {
  if ([m, k, n].some((d) => !Number.isInteger(d) || d < 1)) throw new ShapeError('matmul', `bad sizes M ${m}, K ${k}, N ${n}`);
  if (a.bytes < m * k * 4 || b.bytes < k * n * 4) {
    throw new ShapeError('matmul', `A holds ${a.bytes / 4} values for [${m}, ${k}], B holds ${b.bytes / 4} for [${k}, ${n}]`);
  }
  const c = rt.pool.acquire(m * n * 4, 'matmul output');
  const args = { reads: { a, b }, writes: { c }, params: { m, k, n } };
  if (tiling !== 'tiled') {
    const sharing = rowSharing(rt, tiling);
    const rowGroups = rowGroupsFor(sharing, m);
    const workgroups = [Math.ceil(n / (blockWorkgroup * blockCols)), Math.ceil(m / (8 * rowGroups))] as const;
    rt.dispatch(shaders.blocked(sharing, rowGroups), 'blocked', { ...args, workgroups, constants: { WG: blockWorkgroup } });
  } else {
    rt.dispatch(shaders.portable, 'tiled', { ...args, workgroups: [Math.ceil(n / tile), Math.ceil(m / tile)], constants: { TILE: tile } });
  }
  return c;
}
