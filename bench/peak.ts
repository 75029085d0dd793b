// The arithmetic peak of the adapter as WGSL reaches it: independent f32 FMA
// chains, no memory (bench/peak.wgsl), the best of a few chain counts.
// The yardstick of "how much of the machine do our kernels use". Launched on
// the raw device: it measures the adapter, not the engine.

import type { GpuRuntime } from '../src/gpu';
import { BufferUsage } from '../src/gpu/flags';
import { settle } from '../src/gpu/wait';
import source from './peak.wgsl';

const iterations = 2048;
const workgroups = 256;
const invocations = workgroups * 64;

export interface Peak {
  gflops: number;
  /** f32 chains per invocation of the best run. */
  chains: number;
}

export async function arithmeticPeak(rt: GpuRuntime, samples = 5): Promise<Peak> {
  const device = rt.device;
  const coefficients = device.createBuffer({ size: 8, usage: BufferUsage.STORAGE, mappedAtCreation: true });
  new Float32Array(coefficients.getMappedRange()).set([0.999, 1e-3]);
  coefficients.unmap();
  const sink = device.createBuffer({ size: invocations * 4, usage: BufferUsage.STORAGE });
  let best: Peak = { gflops: 0, chains: 0 };
  for (const chains of [4, 8, 16]) {
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: source.replace(/^const CHAINS = \d+u;$/m, `const CHAINS = ${chains}u;`) });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'peak', constants: { ITERATIONS: iterations } } });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: coefficients } },
        { binding: 1, resource: { buffer: sink } },
      ],
    });
    const error = await device.popErrorScope();
    if (error) throw new Error(`bench/peak.wgsl (${chains} chains per array): ${error.message}`);
    const run = async (): Promise<number> => {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(workgroups);
      pass.end();
      const t0 = performance.now();
      device.queue.submit([encoder.finish()]);
      await settle(device.queue.onSubmittedWorkDone());
      return performance.now() - t0;
    };
    await run();
    let ms = Infinity;
    for (let i = 0; i < samples; i++) ms = Math.min(ms, await run());
    const gflops = (2 * 4 * chains * iterations * invocations) / ms / 1e6;
    if (gflops > best.gflops) best = { gflops, chains: 4 * chains };
  }
  coefficients.destroy();
  sink.destroy();
  return best;
}
