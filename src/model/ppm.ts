// The pyramid pooling decoder (PSPNet): the encoder's feature map pooled to
// 1x1, 2x2, 3x3 and 6x6 bins, each reduced by a 1x1 conv + BN + ReLU, upsampled
// bilinearly back and concatenated with the map, then a 3x3 conv + BN: the
// feature DiCNet compares. Names as the reference: ppm.0.1.weight, conv_last.0.weight.

import type { Random } from '../base/random';
import type { GpuRuntime } from '../gpu';
import { Module, Sequential } from '../graph/module';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout2d, ReLU } from '../graph/nn';
import { batchNorm2d, concatChannels, upsampleBilinear } from '../graph/ops';
import type { Tensor } from '../graph/tensor';

export interface PpmOptions {
  inChannels: number;
  ppmChannels: number;
  featureChannels: number;
  poolScales: number[];
  /** With a classification head (the teacher): conv_last = conv, BN, ReLU, Dropout2d, 1x1 conv. */
  numClasses: number | null;
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
    this.conv_last =
      o.numClasses === null
        ? new Sequential(conv)
        : new Sequential(conv, new BatchNorm2d(rt, o.featureChannels), new ReLU(), new Dropout2d(0.1, rng), new Conv2d(rt, rng, o.featureChannels, o.numClasses, 1, { bias: true }));
  }

  /** The encoder map with its pooled, reduced and upsampled pyramid, concatenated. */
  pyramid(x: Tensor): Tensor {
    const [h, w] = [x.shape[2]!, x.shape[3]!];
    return concatChannels([x, ...this.ppm.map((branch) => upsampleBilinear(branch.forward(x), h, w, { alignCorners: false }))]);
  }

  /** The decoder's last 3x3 conv, before any normalisation (the student's feature). */
  convFeature(pyramid: Tensor): Tensor {
    return this.conv_last.layers[0]!.forward(pyramid);
  }

  /**
   * The teacher feature: the last 3x3 conv followed by batch norm without affine
   * using the frozen running statistics: the per-channel standardised feature.
   */
  standardisedFeature(convFeature: Tensor): Tensor {
    const bn = this.conv_last.layers[1] as BatchNorm2d;
    return batchNorm2d(convFeature, { weight: null, bias: null, runningMean: bn.running_mean, runningVar: bn.running_var, training: false, eps: bn.eps });
  }

  /** Class logits from the last conv's output: BN, ReLU, Dropout2d, 1x1 conv. */
  logits(convFeature: Tensor): Tensor {
    let x = convFeature;
    for (const layer of this.conv_last.layers.slice(1)) x = layer.forward(x);
    return x;
  }
}
