// The pyramid pooling decoder (PSPNet): the encoder's feature map pooled to
// 1x1, 2x2, 3x3 and 6x6 bins, each reduced by a 1x1 conv + BN + ReLU, upsampled
// bilinearly back and concatenated with the map, then a 3x3 conv + BN: the
// feature DiCNet compares. Names as the reference: ppm.0.1.weight, conv_last.0.weight.
// The tiny teacher's classifier may also see layer1's map (a head skip, as
// DeepLabv3+'s decoder in small): thin classes are a pixel or two wide at its
// input size, below what output stride 8 resolves. The compared feature does
// not change.

import type { Random } from '../base/random';
import type { GpuRuntime } from '../gpu';
import { Module, Sequential } from '../graph/module';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout2d, ReLU, convBn } from '../graph/nn';
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
  /** With a classifier: layer1's channels and the channels its skip into the head is reduced to (0: no skip). */
  skip?: { lowChannels: number; channels: number };
}

export class PyramidPoolingDecoder extends Module {
  readonly ppm: Sequential[];
  readonly conv_last: Sequential;
  /** The head skip: layer1's map reduced (1x1 conv, BN, ReLU), then fused with the upsampled head input (3x3 conv, BN, ReLU). */
  readonly skip_proj: Sequential | null = null;
  readonly skip_fuse: Sequential | null = null;

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
    if (o.numClasses !== null && o.skip && o.skip.channels > 0) {
      const c = o.skip.channels;
      this.skip_proj = new Sequential(new Conv2d(rt, rng, o.skip.lowChannels, c, 1), new BatchNorm2d(rt, c), new ReLU());
      this.skip_fuse = new Sequential(new Conv2d(rt, rng, o.featureChannels + c, o.featureChannels, 3, { padding: 1 }), bn(), new ReLU());
    }
  }

  get hasSkip(): boolean {
    return this.skip_proj !== null;
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
    const parts = [x, ...this.ppm.map((branch) => upsampleBilinear(reducedBins(branch, x), h, w, { alignCorners: false }))];
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

  /**
   * Class logits from the last conv's output: BN, ReLU, Dropout2d, 1x1 conv, at
   * output stride 8; with the head skip, fused with `low` (layer1's map) before
   * the 1x1 conv, at layer1's resolution.
   */
  logits(convFeature: Tensor, low: Tensor | null = null): Tensor {
    const [, bn, , dropout, classifier] = this.conv_last.layers as [Conv2d, BatchNorm2d, ReLU, Dropout2d, Conv2d];
    let x = dropout.forward(bn.forward(convFeature, { relu: true }));
    if (this.skip_proj && this.skip_fuse) {
      if (!low) throw new Error('the head skip needs layer1\'s map');
      x = upsampleBilinear(x, low.shape[2]!, low.shape[3]!, { alignCorners: false });
      x = convBnRelu(this.skip_fuse, concatChannels([x, convBnRelu(this.skip_proj, low)]));
    }
    return classifier.forward(x);
  }
}

/** A Sequential(conv, BN, ReLU) through convBn, the ReLU fused. */
function convBnRelu(layers: Sequential, x: Tensor): Tensor {
  const [conv, bn] = layers.layers as [Conv2d, BatchNorm2d, ReLU];
  return convBn(conv, bn, x, { relu: true });
}

/** One pyramid branch: the map pooled to bins, then 1x1 conv, BN and ReLU. */
function reducedBins(branch: Sequential, x: Tensor): Tensor {
  const [pool, conv, bn] = branch.layers as [AdaptiveAvgPool2d, Conv2d, BatchNorm2d, ReLU];
  return convBn(conv, bn, pool.forward(x), { relu: true });
}
