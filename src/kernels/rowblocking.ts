// Kernel families with a register-blocked path for CPU adapters keep it in the
// same WGSL file, below a marker line. The part above compiles on every device.
// The whole file compiles with the shared row-blocking helpers appended:
// shaders/rowblocking.wgsl and either shaders/rowblocking-subgroups.wgsl (with
// `enable subgroups;`) where the device has subgroups of 8 or more lanes, or
// shaders/rowblocking-uniform.wgsl elsewhere.
// The ROW_GROUPS constant sizes register arrays, which WGSL override constants
// cannot, so it is set by a small template.

import type { GpuRuntime } from '../gpu';
import { shader, type Shader, type ShaderOptions } from '../gpu/shader';
import sharedRows from '../../shaders/rowblocking.wgsl';
import subgroupRows from '../../shaders/rowblocking-subgroups.wgsl';
import uniformRows from '../../shaders/rowblocking-uniform.wgsl';

const marker = '// ==== blocked ====';
const rowGroupsLine = /^const ROW_GROUPS = \d+u;$/m;

/** How the blocked kernels share the rows' operand: subgroup broadcasts, or uniform loads. */
export type RowSharing = 'subgroups' | 'uniform';

export interface BlockedShaders {
  /** The part above the marker: compiles everywhere. */
  portable: Shader;
  /** The whole file with ROWS = 8 * rowGroups rows per invocation in its blocked kernels. */
  blocked(sharing: RowSharing, rowGroups: number): Shader;
}

/** `options` describes the entry points of both parts; `appendix` is WGSL both get after the file (generated entry points). */
export function blockedShaders(name: string, source: string, options: ShaderOptions, appendix = ''): BlockedShaders {
  const at = source.indexOf(marker);
  if (at < 0 || !rowGroupsLine.test(source)) throw new Error(`shader ${name} needs a "${marker}" line and a "const ROW_GROUPS = <n>u;" line`);
  const variants = new Map<string, Shader>();
  return {
    portable: shader(name, `${source.slice(0, at)}\n${appendix}`, options),
    blocked(sharing, rowGroups) {
      const key = `${sharing}-rows${8 * rowGroups}`;
      let s = variants.get(key);
      if (!s) {
        const body = source.replace(rowGroupsLine, `const ROW_GROUPS = ${rowGroups}u;`);
        const rows = sharing === 'subgroups' ? subgroupRows : uniformRows;
        variants.set(key, (s = shader(`${name}-blocked-${key}`, `${body}\n${appendix}\n${sharedRows}\n${rows}`, { ...options, enable: sharing === 'subgroups' ? ['subgroups'] : [] })));
      }
      return s;
    },
  };
}

/**
 * Measured on lavapipe (subgroups; f32 sums; tiny conv shapes, GFLOP per
 * CPU-second, 2026-11-28): speed per row computed, by groups of 8 rows per
 * invocation. More than 4 groups falls off a cliff (10x slower: the sums leave
 * registers).
 */
const rowGroupSpeed = [0.58, 0.8, 0.94, 1];

/**
 * Groups of 8 rows per invocation for `rows` rows: with subgroups, the least
 * time counting rows padded to whole blocks; with uniform loads, one group (on
 * lavapipe 7.4 GFLOP/s at 8 rows, 6.2 at 16, 5.0 at 32).
 */
export function rowGroupsFor(sharing: RowSharing, rows: number): number {
  if (sharing === 'uniform') return 1;
  let best = 1;
  let bestCost = Infinity;
  rowGroupSpeed.forEach((speed, i) => {
    const groups = i + 1;
    const cost = (Math.ceil(rows / (8 * groups)) * 8 * groups) / speed;
    if (cost <= bestCost) [best, bestCost] = [groups, cost];
  });
  return best;
}

/**
 * How a kernel family is tiled: `blocked`, register blocking with the rows'
 * operand shared the device's fastest way (for CPU adapters such as lavapipe);
 * `blocked-uniform`, the same with uniform loads even where subgroups exist;
 * `tiled`, shared-memory tiles (for real GPUs).
 */
export type Tiling = 'blocked' | 'blocked-uniform' | 'tiled';

export function defaultTiling(rt: GpuRuntime): Tiling {
  return rt.adapter.software ? 'blocked' : 'tiled';
}

/** Subgroup broadcasts where the device runs subgroups of at least 8 lanes (they broadcast from lanes 0-7), else uniform loads. */
export function rowSharing(rt: GpuRuntime, tiling: Exclude<Tiling, 'tiled'>): RowSharing {
  const info = (rt.device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { subgroupMinSize?: number } }).adapterInfo;
  const hasSubgroups = rt.device.features.has('subgroups') && (info?.subgroupMinSize ?? 0) >= 8;
  return tiling === 'blocked' && hasSubgroups ? 'subgroups' : 'uniform';
}
