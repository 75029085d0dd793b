// Node: WebGPU through Dawn (the `webgpu` npm package).

import { acquireRuntime, type AcquireOptions } from './acquire';
import { filterDawnWarnings } from './dawn-stderr';
import type { GpuRuntime } from './runtime';

export async function createNodeRuntime(options: AcquireOptions = {}): Promise<GpuRuntime> {
  if (!process.env.XDG_RUNTIME_DIR) {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    process.env.XDG_RUNTIME_DIR = mkdtempSync(`${tmpdir()}/xdg-`);
  }
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  // Dawn rounds timestamps (a browser's defence against timing attacks) unless told not to; profiles need them exact.
  const gpu = create(['disable-dawn-features=timestamp_quantization']);
  const quiet = { requestAdapter: (request?: GPURequestAdapterOptions) => filterDawnWarnings(() => gpu.requestAdapter(request)) };
  return acquireRuntime(quiet, gpu, options);
}
