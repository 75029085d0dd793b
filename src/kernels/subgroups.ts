// Kernel families whose fast CPU path needs subgroups keep it in the same WGSL
// file, below a marker line: the part above compiles on every device, the whole
// file (with `enable subgroups;` and the shared register-blocking helpers) only
// where the device has the feature.

import type { GpuRuntime } from '../gpu';
import { shader, type Shader } from '../gpu/shader';
import rowBlocking from '../../shaders/rowblocking.wgsl';

const marker = '// ==== subgroups ====';

export function splitSubgroupShader(name: string, source: string): { portable: Shader; subgroups: Shader } {
  const at = source.indexOf(marker);
  if (at < 0) throw new Error(`shader ${name} has no "${marker}" line`);
  return { portable: shader(name, source.slice(0, at)), subgroups: shader(`${name}-subgroups`, `enable subgroups;\n${source}\n${rowBlocking}`) };
}

/** Whether the device runs subgroup operations with at least 8 lanes (the blocked kernels broadcast from lanes 0-7). */
export function subgroupsOf8(rt: GpuRuntime): boolean {
  const info = (rt.device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { subgroupMinSize?: number } }).adapterInfo;
  return rt.device.features.has('subgroups') && (info?.subgroupMinSize ?? 0) >= 8;
}
