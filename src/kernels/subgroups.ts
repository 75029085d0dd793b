// Kernel families whose fast CPU path needs subgroups keep it in the same WGSL
// file, below a marker line: the part above compiles on every device; the whole
// file, with `enable subgroups;` and the shared register-blocking helpers
// (shaders/rowblocking.wgsl), only where the device has the feature. The
// blocked part is specialised by a small template: its ROW_GROUPS constant
// sizes register arrays, which WGSL override constants cannot.

import type { GpuRuntime } from '../gpu';
import { shader, type Shader } from '../gpu/shader';
import rowBlocking from '../../shaders/rowblocking.wgsl';

const marker = '// ==== subgroups ====';
const rowGroupsLine = /^const ROW_GROUPS = \d+u;$/m;

export interface SubgroupShaders {
  /** The part above the marker: compiles everywhere. */
  portable: Shader;
  /** The whole file with ROWS = 8 * rowGroups rows per invocation in its blocked kernels. */
  blocked(rowGroups: number): Shader;
}

export function splitSubgroupShader(name: string, source: string): SubgroupShaders {
  const at = source.indexOf(marker);
  if (at < 0 || !rowGroupsLine.test(source)) throw new Error(`shader ${name} needs a "${marker}" line and a "const ROW_GROUPS = <n>u;" line`);
  const variants = new Map<number, Shader>();
  return {
    portable: shader(name, source.slice(0, at)),
    blocked(rowGroups) {
      let s = variants.get(rowGroups);
      if (!s) {
        const code = `enable subgroups;\n${source.replace(rowGroupsLine, `const ROW_GROUPS = ${rowGroups}u;`)}\n${rowBlocking}`;
        variants.set(rowGroups, (s = shader(`${name}-subgroups-rows${8 * rowGroups}`, code)));
      }
      return s;
    },
  };
}

/** Measured on lavapipe (conv 64 -> 64): speed per row computed, by groups of 8 rows per invocation. */
const rowGroupSpeed = [0.7, 0.95, 0.95, 1];

/** Groups of 8 rows per invocation for `rows` rows: the least time, counting rows padded to whole blocks. */
export function rowGroupsFor(rows: number): number {
  let best = 1;
  let bestCost = Infinity;
  rowGroupSpeed.forEach((speed, i) => {
    const groups = i + 1;
    const cost = (Math.ceil(rows / (8 * groups)) * 8 * groups) / speed;
    if (cost <= bestCost) [best, bestCost] = [groups, cost];
  });
  return best;
}

/** Whether the device runs subgroup operations with at least 8 lanes (the blocked kernels broadcast from lanes 0-7). */
export function subgroupsOf8(rt: GpuRuntime): boolean {
  const info = (rt.device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { subgroupMinSize?: number } }).adapterInfo;
  return rt.device.features.has('subgroups') && (info?.subgroupMinSize ?? 0) >= 8;
}
