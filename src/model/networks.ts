// The two branches of DiCNet. The teacher is a semantic segmentation network
// (dilated ResNet + PPM + classifier) whose classifier is used only for its own
// training and for the baselines; its feature is the last 3x3 conv through its
// batch norm. The student is a smaller dilated ResNet + PPM + the same 3x3 conv,
// trained to reproduce the teacher's feature on normal images.

import type { Random } from '../base/random';
import type { GpuRuntime } from '../gpu';
import { Counter, Module } from '../graph/module';
import type { Tensor } from '../graph/tensor';
import { stateSignatures } from './state';
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
  readonly config: ModelConfig;

  constructor(rt: GpuRuntime, rng: Random, config: ModelConfig) {
    const likeTeacher = config.studentStart === 'teacher';
    super(rt, rng, likeTeacher ? config.teacher : config.student, config.poolScales, { numClasses: null, featureNorm: likeTeacher });
    this.config = config;
    // The teacher's feature norm, kept as the teacher has it: the student learns what goes into it.
    if (likeTeacher) this.featureNorm.freeze();
  }

  feature(image: Tensor): Tensor {
    const conv = this.convFeature(image);
    return this.config.studentStart === 'teacher' ? this.decoder.normalisedFeature(conv, this.config.teacherFeature === 'batchNorm') : conv;
  }

  /**
   * A student with the teacher's layers starts as the trained teacher: every
   * tensor of the student takes the value of the teacher's of the same name (the
   * teacher's classifier and head skip have no counterpart).
   */
  startFrom(teacher: Teacher): void {
    if (this.config.studentStart !== 'teacher') throw new Error(`a student of studentStart "${this.config.studentStart}" has its own layers and starts from random weights, not from the teacher`);
    const theirs = stateSignatures(teacher);
    const differing = [...stateSignatures(this)].filter(([name, s]) => theirs.get(name)?.dtype !== s.dtype || theirs.get(name)!.shape.join() !== s.shape.join());
    if (differing.length > 0) throw new Error(`the teacher's layers are not this student's: ${differing.map(([name]) => name).join(', ')}`);
    const source = teacher.stateDict();
    for (const [name, entry] of this.stateDict()) {
      const from = source.get(name)!;
      if (entry instanceof Counter) entry.value = (from as Counter).value;
      else entry.rt.copy((from as Tensor).buffer, entry.buffer, entry.size * 4);
    }
  }

  private get featureNorm(): Module {
    return this.decoder.conv_last.layers[1]!;
  }
}
