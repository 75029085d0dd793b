// The two branches of DiCNet. The teacher is a semantic segmentation network
// (dilated ResNet + PPM + classifier) whose classifier is used only for its own
// training and for the baselines; its feature is the last 3x3 conv through its
// batch norm. The student is a smaller dilated ResNet + PPM + the same 3x3 conv,
// trained to reproduce the teacher's feature on normal images.

import type { Random } from '../base/random';
import type { GpuRuntime } from '../gpu';
import { Module } from '../graph/module';
import type { Tensor } from '../graph/tensor';
import type { ModelConfig, NetworkConfig } from './config';
import { PyramidPoolingDecoder, type PpmOptions } from './ppm';
import { ResNetDilated } from './resnet';

class EncoderDecoder extends Module {
  readonly encoder: ResNetDilated;
  readonly decoder: PyramidPoolingDecoder;

  constructor(rt: GpuRuntime, rng: Random, c: NetworkConfig, poolScales: number[], head: Pick<PpmOptions, 'numClasses' | 'featureNorm'> & { skipChannels?: number }) {
    super();
    this.encoder = new ResNetDilated(rt, rng, c.encoder);
    this.decoder = new PyramidPoolingDecoder(rt, rng, {
      inChannels: this.encoder.outputChannels,
      ppmChannels: c.ppmChannels,
      featureChannels: c.featureChannels,
      poolScales,
      numClasses: head.numClasses,
      ...(head.featureNorm ? { featureNorm: true } : {}),
      ...(head.skipChannels ? { skip: { lowChannels: this.encoder.lowChannels, channels: head.skipChannels } } : {}),
    });
  }

  protected convFeature(image: Tensor): Tensor {
    return this.decoder.convFeature(this.encoder.forward(image));
  }
}

export interface TeacherOptions {
  /**
   * Build the classifier (default true). Without it the teacher gives only its
   * feature: what a checkpoint without `decoder.conv_last.4.*` (the reference's
   * T) can fill, and all DiCNet needs; the MSP, max logit and entropy baselines
   * then cannot be computed.
   */
  classifier?: boolean;
}

export class Teacher extends EncoderDecoder {
  readonly config: ModelConfig;
  readonly numClasses: number;

  constructor(rt: GpuRuntime, rng: Random, config: ModelConfig, options: TeacherOptions = {}) {
    super(
      rt,
      rng,
      config.teacher,
      config.poolScales,
      (options.classifier ?? true) ? { numClasses: config.numClasses, skipChannels: config.teacherHeadSkip } : { numClasses: null, featureNorm: true },
    );
    this.config = config;
    this.numClasses = config.numClasses;
  }

  get hasClassifier(): boolean {
    return this.decoder.hasClassifier;
  }

  /** Class logits at output stride 8, or 4 with the head skip. */
  logits(image: Tensor): Tensor {
    const { conv, low } = this.convAndLow(image);
    return this.classify(conv, low);
  }

  /** Feature and logits from one pass (evaluation). */
  featureAndLogits(image: Tensor): { feature: Tensor; logits: Tensor } {
    const { conv, low } = this.convAndLow(image);
    return { feature: this.normalise(conv), logits: this.classify(conv, low) };
  }

  /** The compared conv feature, and layer1's map when the head reads it. */
  private convAndLow(image: Tensor): { conv: Tensor; low: Tensor | null } {
    if (!this.decoder.hasSkip) return { conv: this.convFeature(image), low: null };
    const { low, out } = this.encoder.forwardWithLow(image);
    return { conv: this.decoder.convFeature(out), low };
  }

  feature(image: Tensor): Tensor {
    return this.normalise(this.convFeature(image));
  }

  private normalise(conv: Tensor): Tensor {
    return this.decoder.normalisedFeature(conv, this.config.teacherFeature === 'batchNorm');
  }

  private classify(conv: Tensor, low: Tensor | null): Tensor {
    if (!this.hasClassifier) throw new Error('this teacher was built without its classifier (its checkpoint has none): it gives its feature, not class logits');
    return this.decoder.logits(conv, low);
  }
}

export class Student extends EncoderDecoder {
  constructor(rt: GpuRuntime, rng: Random, config: ModelConfig) {
    super(rt, rng, config.student, config.poolScales, { numClasses: null });
  }

  feature(image: Tensor): Tensor {
    return this.convFeature(image);
  }
}
