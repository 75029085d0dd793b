// Device acquisition, the same for Node (Dawn) and browsers (navigator.gpu):
// ask for the adapter's real limits and its useful features.

import { GpuError } from './errors';
import { GpuRuntime } from './runtime';

const wantedFeatures: GPUFeatureName[] = ['shader-f16', 'timestamp-query', 'subgroups'];

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Browsers: compatibility feature level (WebGPU over OpenGL ES, e.g. lavapipe through ANGLE). */
  featureLevel?: 'core' | 'compatibility';
}

export async function acquireRuntime(gpu: Pick<GPU, 'requestAdapter'>, owner: unknown, options: AcquireOptions = {}): Promise<GpuRuntime> {
  const request: GPURequestAdapterOptions & { featureLevel?: string } = { powerPreference: options.powerPreference ?? 'high-performance' };
  if (options.featureLevel) request.featureLevel = options.featureLevel;
  const adapter = await gpu.requestAdapter(request);
  if (!adapter) {
    throw new GpuError(
      'no WebGPU adapter found. On a machine without a GPU, run `bash scripts/setup.sh` (installs Mesa lavapipe); in a browser, enable WebGPU.',
    );
  }
  const requiredLimits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') requiredLimits[key] = value;
  }
  const requiredFeatures = wantedFeatures.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  return new GpuRuntime(device, adapter.info, owner);
}
