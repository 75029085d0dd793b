import type { GpuRuntime } from '../../gpu';
import { Counter, ModelBuffer, Module, Parameter } from '../module';
import { batchNorm2d } from '../ops/batchnorm2d';
import type { Tensor } from '../tensor';

export interface BatchNorm2dOptions {
  affine?: boolean;
  momentum?: number;
  eps?: number;
}

/** BatchNorm2d with PyTorch's names (weight, bias, running_mean, running_var, num_batches_tracked). */
export class BatchNorm2d extends Module {
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly running_mean: ModelBuffer;
  readonly running_var: ModelBuffer;
  readonly num_batches_tracked = new Counter();
  readonly momentum: number;
  readonly eps: number;

  constructor(rt: GpuRuntime, channels: number, options: BatchNorm2dOptions = {}) {
    super();
    const affine = options.affine ?? true;
    this.weight = affine ? new Parameter(rt, new Float32Array(channels).fill(1), [channels]) : null;
    this.bias = affine ? new Parameter(rt, new Float32Array(channels), [channels]) : null;
    this.running_mean = new ModelBuffer(rt, new Float32Array(channels), [channels]);
    this.running_var = new ModelBuffer(rt, new Float32Array(channels).fill(1), [channels]);
    this.momentum = options.momentum ?? 0.1;
    this.eps = options.eps ?? 1e-5;
  }

  /** `fused`: what follows in a residual network, done in the same kernel: relu(bn(x) + residual). */
  forward(x: Tensor, fused: { residual?: Tensor; relu?: boolean } = {}): Tensor {
    if (this.training) this.num_batches_tracked.value++;
    return batchNorm2d(x, {
      ...fused,
      weight: this.weight,
      bias: this.bias,
      runningMean: this.running_mean,
      runningVar: this.running_var,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
}
