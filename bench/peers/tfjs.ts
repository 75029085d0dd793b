// TF.js's WebGPU backend as a peer, on the same Dawn instance (so the same
// adapter) as our runtime. TF.js runs in its own layout, NHWC with HWIO
// filters; results are transposed to ours only when read back for the check.

import type * as Tf from '@tensorflow/tfjs';
import { conv2dOutputSize, type Conv2dGeometry } from '../../src/kernels/conv2d';
import { settle } from '../../src/gpu/wait';
import type { ConvInputs, MatmulInputs, Output, PreparedOp, System } from '../op-cases';

/** The members of tfjs-backend-webgpu's WebGPUBackend (4.22) that this peer relies on. */
export interface WebGpuBackendInternals {
  device: GPUDevice;
  adapterInfo: { vendor: string; architecture: string };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export interface TfjsPeer extends System {
  describe(): string;
  dispose(): void;
}

/** TF.js with its WebGPU backend started on `gpu`, our runtime's Dawn object (the same adapter as ours). */
export async function loadTfjsWebGpu(gpu: GPU): Promise<{ tf: typeof Tf; backend: WebGpuBackendInternals }> {
  // The backend registers itself only if navigator.gpu exists when it is imported.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  // @tensorflow/tfjs, not tfjs-core alone: only it registers the gradient functions.
  const tf: typeof Tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its WebGPU backend');
  return { tf, backend: tf.backend() as unknown as WebGpuBackendInternals };
}

export function describeTfjs(tf: typeof Tf, backend: WebGpuBackendInternals): string {
  return `${backend.adapterInfo.vendor} ${backend.adapterInfo.architecture} (tfjs ${tf.version.tfjs}, backend webgpu)`;
}

export async function tfjsPeer(gpu: GPU): Promise<TfjsPeer> {
  const { tf, backend } = await loadTfjsWebGpu(gpu);

  const output = (result: Tf.Tensor, toOurLayout?: number[]): Output => ({
    read: async () => {
      const ours = toOurLayout ? tf.transpose(result, toOurLayout) : result;
      const values = (await ours.data()) as Float32Array;
      if (ours !== result) ours.dispose();
      return values;
    },
    release: () => result.dispose(),
  });
  const prepared = (tensors: Tf.Tensor[], launch: PreparedOp['launch']): PreparedOp => ({
    launch,
    dispose: () => tensors.forEach((t) => t.dispose()),
  });
  const nhwc = (values: Float32Array, n: number, c: number, h: number, w: number) =>
    tf.tidy(() => tf.transpose(tf.tensor4d(values, [n, c, h, w]), [0, 2, 3, 1]) as Tf.Tensor4D);

  return {
    name: 'TF.js',
    describe: () => describeTfjs(tf, backend),
    conv(g: Conv2dGeometry, data: ConvInputs): PreparedOp {
      const { ho, wo } = conv2dOutputSize(g);
      const x = nhwc(data.x, g.n, g.cIn, g.h, g.w);
      const dy = nhwc(data.dy, g.n, g.cOut, ho, wo);
      const filter = tf.tidy(() => tf.transpose(tf.tensor4d(data.weight, [g.cOut, g.cIn, g.kh, g.kw]), [2, 3, 1, 0]) as Tf.Tensor4D);
      const common = { strides: g.stride, pad: g.padding, dataFormat: 'NHWC' };
      const launch: PreparedOp['launch'] = {
        forward: () => output(tf.conv2d(x, filter, g.stride, g.padding, 'NHWC', g.dilation), [0, 3, 1, 2]),
      };
      // The kernels tf.grads would run for Conv2D; TF.js has no gradient for a dilated conv2d.
      if (g.dilation === 1) {
        launch.gradInput = () =>
          output(tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: [g.n, g.h, g.w, g.cIn] }) as Tf.Tensor, [0, 3, 1, 2]);
        launch.gradWeight = () =>
          output(tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: [g.kh, g.kw, g.cIn, g.cOut] }) as Tf.Tensor, [3, 2, 0, 1]);
      }
      return prepared([x, dy, filter], launch);
    },
    matmul({ m, k, n, a, b }: MatmulInputs): PreparedOp {
      const left = tf.tensor2d(a, [m, k]);
      const right = tf.tensor2d(b, [k, n]);
      return prepared([left, right], { forward: () => output(tf.matMul(left, right)) });
    },
    // What the backend's own readback does before mapping, without the copy.
    async sync() {
      backend.ensureCommandEncoderReady();
      backend.endComputePassEncoder();
      backend.submitQueue();
      await settle(backend.device.queue.onSubmittedWorkDone());
    },
    dispose: () => tf.engine().reset(),
  };
}
