import { createNodeRuntime } from '../src/gpu/node';
import { BufferUsage } from '../src/gpu/flags';
import { settle } from '../src/gpu/wait';
import source from './peak.wgsl';
const rt = await createNodeRuntime();
const device = rt.device;
const module = device.createShaderModule({ code: source });
const coefficients = device.createBuffer({ size: 8, usage: BufferUsage.STORAGE, mappedAtCreation: true });
new Float32Array(coefficients.getMappedRange()).set([0.999, 1e-3]); coefficients.unmap();
const sink = device.createBuffer({ size: 256 * 64 * 4, usage: BufferUsage.STORAGE });
for (const chains of [1, 2, 3, 4, 6, 8]) {
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'peak', constants: { CHAINS: chains, ITERATIONS: 4096 } } });
  const bg = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: coefficients } }, { binding: 1, resource: { buffer: sink } }] });
  let best = Infinity, bestWall = Infinity;
  for (let r = 0; r < 5; r++) {
    const e = device.createCommandEncoder(); const pass = e.beginComputePass(); pass.setPipeline(pipeline); pass.setBindGroup(0, bg); pass.dispatchWorkgroups(256); pass.end();
    const c0 = process.cpuUsage(); const t0 = performance.now();
    device.queue.submit([e.finish()]); await settle(device.queue.onSubmittedWorkDone());
    const c = process.cpuUsage(c0); best = Math.min(best, (c.user + c.system) / 1000); bestWall = Math.min(bestWall, performance.now() - t0);
  }
  const flop = 2 * 4 * chains * 4096 * 256 * 64;
  console.log(`chains ${chains}: ${(flop / best / 1e6).toFixed(1)} GFLOP/cpu-s, ${(flop / bestWall / 1e6).toFixed(1)} GFLOP/s wall`);
}
rt.destroy();
