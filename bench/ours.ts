// Our kernels as a system under test: inputs uploaded once, every output
// handed back to the pool after each iteration so the pool stays flat.

import type { GpuBuffer, GpuRuntime } from '../src/gpu';
import { conv2dForward, conv2dGradInput, conv2dGradWeight, type Conv2dGeometry } from '../src/kernels/conv2d';
import { matmul } from '../src/kernels/matmul';
import type { ConvInputs, MatmulInputs, Output, PreparedOp, System } from './op-cases';

export function oursSystem(rt: GpuRuntime): System {
  const output = (buffer: GpuBuffer): Output => ({
    read: () => rt.readFloat32(buffer),
    release: () => rt.pool.release(buffer),
  });
  const prepared = (inputs: GpuBuffer[], launch: PreparedOp['launch']): PreparedOp => ({
    launch,
    dispose: () => inputs.forEach((b) => rt.pool.release(b)),
  });
  return {
    name: 'ours',
    conv(g: Conv2dGeometry, data: ConvInputs): PreparedOp {
      const x = rt.upload(data.x);
      const weight = rt.upload(data.weight);
      const dy = rt.upload(data.dy);
      return prepared([x, weight, dy], {
        forward: () => output(conv2dForward(rt, x, weight, null, g)),
        gradInput: () => output(conv2dGradInput(rt, dy, weight, g)),
        gradWeight: () => output(conv2dGradWeight(rt, x, dy, g)),
      });
    },
    matmul({ m, k, n, a, b }: MatmulInputs): PreparedOp {
      const left = rt.upload(a);
      const right = rt.upload(b);
      return prepared([left, right], { forward: () => output(matmul(rt, left, right, m, k, n)) });
    },
    sync: () => rt.sync(),
  };
}
