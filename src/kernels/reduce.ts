// Row sums by repeated tree passes (shaders/reduce.wgsl): each pass shrinks a row
// of n values to ceil(n / (WG * ITEMS)) partial sums, until one is left. The
// losses reduce their per-pixel values through here.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError } from '../base/shape';
import { shader } from '../gpu/shader';
import source from '../../shaders/reduce.wgsl';
import { perElement } from './grid';

const reduce = shader('reduce', source, {
  bindings: { sumPartial: { reads: ['x'], writes: ['partials'] }, broadcast: { reads: ['g'], writes: ['dx'] } },
});

export interface ReduceTiling {
  /** Invocations per workgroup, a power of two. */
  workgroup: number;
  /** Values each invocation adds before the tree. */
  items: number;
}

export const defaultTiling: ReduceTiling = { workgroup: 256, items: 8 };

function checkTiling(t: ReduceTiling): void {
  if (!Number.isInteger(Math.log2(t.workgroup)) || !(t.items >= 1)) {
    throw new RangeError(`reduce: workgroup ${t.workgroup} must be a power of two and items ${t.items} at least 1`);
  }
}

/**
 * alpha * (sum of each of `rows` rows of n values) -> a buffer of `rows` values.
 * x holds the rows one after another.
 */
export function sumRows(rt: GpuRuntime, x: GpuBuffer, rows: number, n: number, alpha = 1, tiling = defaultTiling): GpuBuffer {
  checkTiling(tiling);
  if (x.bytes < rows * n * 4) throw new ShapeError('sum', `input holds ${x.bytes / 4} values, need ${rows} rows of ${n}`);
  const perGroup = tiling.workgroup * tiling.items;
  const constants = { WG: tiling.workgroup, ITEMS: tiling.items };
  let current = x;
  let length = n;
  for (;;) {
    const groups = Math.max(1, Math.ceil(length / perGroup));
    const partials = rt.pool.acquire(rows * groups * 4, 'reduction partial sums');
    const scale = groups === 1 ? alpha : 1;
    rt.dispatch(reduce, 'sumPartial', { reads: { x: current }, writes: { partials }, params: { n: length, alpha: scale }, workgroups: [groups, rows], constants });
    if (current !== x) rt.pool.release(current);
    current = partials;
    length = groups;
    if (groups === 1) return current;
  }
}

/** The gradient of sumRows: alpha * g[row] in each of the row's n places. */
export function broadcastRows(rt: GpuRuntime, g: GpuBuffer, rows: number, n: number, alpha = 1): GpuBuffer {
  const total = rows * n;
  const dx = rt.pool.acquire(total * 4, 'a broadcast gradient');
  const wg = defaultTiling.workgroup;
  rt.dispatch(reduce, 'broadcast', { reads: { g }, writes: { dx }, params: { n, alpha, total }, ...perElement(total, wg) });
  return dx;
}
