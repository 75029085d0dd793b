// Browsers: WebGPU through navigator.gpu.

import { acquireRuntime, type AcquireOptions } from './acquire';
import { GpuError } from './errors';
import type { GpuRuntime } from './runtime';

export async function createBrowserRuntime(options: AcquireOptions = {}): Promise<GpuRuntime> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new GpuError('this browser has no WebGPU (navigator.gpu is missing)');
  return acquireRuntime(gpu, gpu, options);
}
