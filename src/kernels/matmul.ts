// C[M, N] = A[M, K] x B[K, N] (row-major), for `batch` matrices stored one after
// another, in the tiling that suits the adapter.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError } from '../base/shape';
import source from '../../shaders/matmul.wgsl';
import { blockedShaders, defaultTiling, rowGroupsFor, rowSharing, type Tiling } from './rowblocking';
import { tiledEntryPoints } from './tiled-entry-points';

const product = { reads: ['a', 'b'], writes: ['c'] };
const shaders = blockedShaders('matmul', source, { bindings: { tiled: product, blocked: product } }, tiledEntryPoints({ tiled: { depth: 'p.k', readA: 'aAt(group.z, ', readB: 'bAt(group.z, ', write: 'storeC(group.z, ' } }));

const blockCols = 4;
const tile = 16;

/**
 * Invocations per blocked workgroup: 128, or fewer where that leaves fewer
 * columns idle (a workgroup covers 4 * WG columns; the Winograd products are
 * often a few hundred columns wide, and those of a grad weight as narrow as
 * the conv's input channels). Down to 8, one subgroup on lavapipe: with it
 * (and the direct grad weight's workgroup of 8, src/kernels/conv2d.ts) the
 * training steps of bench/model.js's cases took 3-10% less CPU time
 * (2026-12-07, one run of 10 alternating steps each), inference the same.
 */
function blockWorkgroup(n: number): number {
  const idle = (wg: number) => Math.ceil(n / (blockCols * wg)) * blockCols * wg - n;
  return [64, 32, 16, 8].reduce((best, wg) => (idle(wg) < idle(best) ? wg : best), 128);
}

export function matmul(rt: GpuRuntime, a: GpuBuffer, b: GpuBuffer, m: number, k: number, n: number, tiling: Tiling = defaultTiling(rt), batch = 1): GpuBuffer {
  if ([m, k, n, batch].some((d) => !Number.isInteger(d) || d < 1)) throw new ShapeError('matmul', `bad sizes M ${m}, K ${k}, N ${n}, batch ${batch}`);
  if (a.bytes < batch * m * k * 4 || b.bytes < batch * k * n * 4) {
    throw new ShapeError('matmul', `A holds ${a.bytes / 4} values for ${batch} x [${m}, ${k}], B holds ${b.bytes / 4} for ${batch} x [${k}, ${n}]`);
  }
  const c = rt.pool.acquire(batch * m * n * 4, 'matmul output');
  const args = { reads: { a, b }, writes: { c }, params: { m, k, n } };
  if (tiling !== 'tiled') {
    const sharing = rowSharing(rt, tiling);
    const rowGroups = rowGroupsFor(sharing, m);
    const wg = blockWorkgroup(n);
    const workgroups = [Math.ceil(n / (wg * blockCols)), Math.ceil(m / (8 * rowGroups)), batch] as const;
    rt.dispatch(shaders.blocked(sharing, rowGroups), 'blocked', { ...args, workgroups, constants: { WG: wg } });
  } else {
    rt.dispatch(shaders.portable, 'tiled', { ...args, workgroups: [Math.ceil(n / tile), Math.ceil(m / tile), batch], constants: { TILE: tile } });
  }
  return c;
}
