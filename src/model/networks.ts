// The two branches of DiCNet. The teacher is a semantic segmentation network
// (dilated ResNet + PPM + classifier) whose classifier is used only for its own
// training and for the baselines; its feature is the standardised last 3x3 conv.
// The student is a smaller dilated ResNet + PPM + the same 3x3 conv, trained to
// reproduce the teacher's feature on normal images.

import type { Random } from '../base/random';
import type { GpuRuntime } from '../gpu';
import { Module } from '../graph/module';
import type { Tensor } from '../graph/tensor';
import type { ModelConfig, NetworkConfig } from './config';
import { PyramidPoolingDecoder } from './ppm';
import { ResNetDilated } from './resnet';

class EncoderDecoder extends Module {
  readonly encoder: ResNetDilated;
  readonly decoder: PyramidPoolingDecoder;

  constructor(rt: GpuRuntime, rng: Random, c: NetworkConfig, poolScales: number[], numClasses: number | null) {
    super();
    this.encoder = new ResNetDilated(rt, rng, c.encoder);
    this.decoder = new PyramidPoolingDecoder(rt, rng, {
      inChannels: this.encoder.outputChannels,
      ppmChannels: c.ppmChannels,
      featureChannels: c.featureChannels,
      poolScales,
      numClasses,
    });
  }

  protected convFeature(image: Tensor): Tensor {
    return this.decoder.convFeature(this.encoder.forward(image));
  }
}

export class Teacher extends EncoderDecoder {
  readonly numClasses: number;

  constructor(rt: GpuRuntime, rng: Random, config: ModelConfig) {
    super(rt, rng, config.teacher, config.poolScales, config.numClasses);
    this.numClasses = config.numClasses;
  }

  /** Class logits at feature resolution (output stride 8). */
  logits(image: Tensor): Tensor {
    return this.decoder.logits(this.convFeature(image));
  }

  /** Feature and logits from one pass (evaluation). */
  featureAndLogits(image: Tensor): { feature: Tensor; logits: Tensor } {
    const conv = this.convFeature(image);
    return { feature: this.decoder.standardisedFeature(conv), logits: this.decoder.logits(conv) };
  }

  feature(image: Tensor): Tensor {
    return this.decoder.standardisedFeature(this.convFeature(image));
  }
}

export class Student extends EncoderDecoder {
  constructor(rt: GpuRuntime, rng: Random, config: ModelConfig) {
    super(rt, rng, config.student, config.poolScales, null);
  }

  feature(image: Tensor): Tensor {
    return this.convFeature(image);
  }
}
