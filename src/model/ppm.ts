// The pyramid pooling decoder (PSPNet): the encoder's feature map pooled to
// 1x1, 2x2, 3x3 and 6x6 bins, each reduced by a 1x1 conv + BN + ReLU, upsampled
// bilinearly back and concatenated with the map, then a 3x3 conv + BN: the
// feature DiCNet compares. Names as the reference: ppm.0.1.weight, conv_last.0.weight.

import type { Random } from '../base/random';
import type { GpuRuntime } from '../gpu';
import { Module, Sequential } from '../graph/module';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout2d, ReLU } from '../graph/nn';
import { batchNorm2d, concatBatch, concatChannels, sliceBatch, upsampleBilinear } from '../graph/ops';
import type { Tensor } from '../graph/tensor';

export interface PpmOptions {
  inChannels: number;
  ppmChannels: number;
  featureChannels: number;
  poolScales: number[];
  /** With a classification head (the teacher): conv_last = conv, BN, ReLU, Dropout2d, 1x1 conv. */
  numClasses: number | null;
  /** Without one, whether conv_last keeps the conv's batch norm: a teacher without classifier, as the reference's T. */
  featureNorm?: boolean;
}

export class PyramidPoolingDecoder extends Module {
  readonly ppm: Sequential[];
  readonly conv_last: Sequential;

  constructor(rt: GpuRuntime, rng: Random, o: PpmOptions) {
    super();
    this.ppm = o.poolScales.map(
      (scale) => new Sequential(new AdaptiveAvgPool2d(scale), new Conv2d(rt, rng, o.inChannels, o.ppmChannels, 1), new BatchNorm2d(rt, o.ppmChannels), new ReLU()),
    );
    const conv = new Conv2d(rt, rng, o.inChannels + o.poolScales.length * o.ppmChannels, o.featureChannels, 3, { padding: 1 });
    const bn = (): BatchNorm2d => new BatchNorm2d(rt, o.featureChannels);
    this.conv_last =
      o.numClasses !== null
        ? new Sequential(conv, bn(), new ReLU(), new Dropout2d(0.1, rng), new Conv2d(rt, rng, o.featureChannels, o.numClasses, 1, { bias: true }))
        : new Sequential(conv, ...(o.featureNorm ? [bn()] : []));
  }

  get hasClassifier(): boolean {
    return this.conv_last.layers.length > 2;
  }

  /**
   * The decoder's last 3x3 conv, before any normalisation (the student's
   * feature), over the pyramid: the encoder map concatenated with its pooled,
   * reduced and upsampled branches. That concatenation is the network's largest
   * tensor (the paper configuration's teacher: 117 MB a sample, where lavapipe
   * binds at most 128 MiB). Where the whole batch's would exceed one storage
   * binding, it is built and convolved a few samples at a time and the outputs
   * are joined along the batch: the conv treats samples apart, so the result is
   * the same, and the batch norms that need the whole batch come before (in
   * the branches) and after.
   */
  convFeature(x: Tensor, maxBindingBytes = x.rt.limits.maxStorageBufferBindingSize): Tensor {
    const [n, , h, w] = x.shape as [number, number, number, number];
    const parts = [x, ...this.ppm.map((branch) => upsampleBilinear(branch.forward(x), h, w, { alignCorners: false }))];
    const conv = this.conv_last.layers[0]!;
    const bytesPerSample = parts.reduce((sum, part) => sum + part.size / n, 0) * 4;
    const samplesPerGroup = Math.max(1, Math.floor(maxBindingBytes / bytesPerSample));
    if (samplesPerGroup >= n) return conv.forward(concatChannels(parts));
    const outputs: Tensor[] = [];
    for (let start = 0; start < n; start += samplesPerGroup) {
      const count = Math.min(samplesPerGroup, n - start);
      outputs.push(conv.forward(concatChannels(parts.map((part) => sliceBatch(part, start, count)))));
    }
    return concatBatch(outputs);
  }

  /**
   * The teacher feature: the last 3x3 conv through its batch norm with the frozen
   * running statistics, in training too, with or without the norm's weight and bias.
   */
  normalisedFeature(convFeature: Tensor, affine: boolean): Tensor {
    const bn = this.conv_last.layers[1] as BatchNorm2d;
    const [weight, bias] = affine ? [bn.weight, bn.bias] : [null, null];
    return batchNorm2d(convFeature, { weight, bias, runningMean: bn.running_mean, runningVar: bn.running_var, training: false, eps: bn.eps });
  }

  /** Class logits from the last conv's output: BN, ReLU, Dropout2d, 1x1 conv. */
  logits(convFeature: Tensor): Tensor {
    let x = convFeature;
    for (const layer of this.conv_last.layers.slice(1)) x = layer.forward(x);
    return x;
  }
}
