import type { Random } from '../../base/random';
import type { GpuRuntime } from '../../gpu';
import { Module, Parameter } from '../module';
import { conv2d } from '../ops/conv2d';
import type { Tensor } from '../tensor';

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  bias?: boolean;
}

/** Conv2d with PyTorch's parameter names; weights drawn as in torchvision's ResNet (Kaiming normal, fan out). */
export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;

  constructor(rt: GpuRuntime, rng: Random, inChannels: number, outChannels: number, kernel: number, options: Conv2dOptions = {}) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    const std = Math.sqrt(2 / (outChannels * kernel * kernel));
    const w = new Float32Array(outChannels * inChannels * kernel * kernel);
    for (let i = 0; i < w.length; i++) w[i] = std * rng.normal();
    this.weight = new Parameter(rt, w, [outChannels, inChannels, kernel, kernel]);
    if (options.bias) {
      const bound = 1 / Math.sqrt(inChannels * kernel * kernel);
      this.bias = new Parameter(rt, Float32Array.from({ length: outChannels }, () => (2 * rng.next() - 1) * bound), [outChannels]);
    } else {
      this.bias = null;
    }
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation });
  }
}
