// The whole-model benchmark's TF.js peer: inference of the same networks
// (basic-block dilated ResNet + pyramid pooling decoder, the teacher's head
// skip from layer1 where the configuration has one) with our trained weights, computing the same score maps as scoreBatch and reading them back,
// in TF.js's WebGPU backend on our Dawn instance. Written the way a TF.js user
// would run a trained model: NHWC, batch norm folded into the conv before it
// and ReLU fused into the conv (tf.fused.conv2d), as TF.js's converter does.

import type * as Tf from '@tensorflow/tfjs';
import type { EncoderConfig, ModelConfig, NetworkConfig } from '../../src/model/config';
import { describeTfjs, loadTfjsWebGpu } from './tfjs';

/** A state dict as plain arrays: NCHW / OIHW shapes, PyTorch names. */
export type Weights = ReadonlyMap<string, { data: Float32Array; shape: readonly number[] }>;

/** The maps scoreBatch returns, NHW order (as ours: [N, 1, H, W]). */
export interface TfjsScores {
  dicnetKl: Float32Array;
  dicnetMse: Float32Array;
  msp: Float32Array;
  maxLogit: Float32Array;
  entropy: Float32Array;
  argmax: Int32Array;
}

export interface TfjsInference {
  describe(): string;
  /** images NCHW, as a Batch holds them. */
  score(images: Float32Array, n: number): Promise<TfjsScores>;
  dispose(): void;
}

const bnEps = 1e-5;

export async function tfjsInference(gpu: GPU, config: ModelConfig, teacherWeights: Weights, studentWeights: Weights, temperature: number): Promise<TfjsInference> {
  const { tf, backend } = await loadTfjsWebGpu(gpu);
  const teacher = new Network(tf, config, config.teacher, teacherWeights);
  // A student started as the teacher has the teacher's layers and ends in the teacher's frozen feature norm (src/model/networks.ts).
  const twin = config.studentStart === 'teacher';
  const student = new Network(tf, config, twin ? config.teacher : config.student, studentWeights);
  const [height, width] = [config.inputHeight, config.inputWidth];
  // PyTorch's align_corners=False is TF's half-pixel centers; its True, TF's alignCorners.
  const resize = (t: Tf.Tensor4D, alignCorners: boolean) => tf.image.resizeBilinear(t, [height, width], alignCorners, !alignCorners);
  const up = (t: Tf.Tensor4D) => resize(t, config.scoreAlignCorners);

  return {
    describe: () => describeTfjs(tf, backend),
    async score(images, n) {
      const maps = tf.tidy(() => {
        const x = tf.transpose(tf.tensor4d(images, [n, 3, height, width]), [0, 2, 3, 1]) as Tf.Tensor4D;
        const { conv, low } = teacher.convAndLow(x);
        const feature = teacher.normalisedFeature(conv, config.teacherFeature === 'batchNorm');
        const logits = resize(teacher.logits(conv, low), false);
        const studentConv = student.convAndLow(x).conv;
        const studentFeature = twin ? student.normalisedFeature(studentConv, config.teacherFeature === 'batchNorm') : studentConv;
        const logP = tf.logSoftmax(logits);
        const logT = tf.logSoftmax(tf.div(feature, temperature));
        const logS = tf.logSoftmax(tf.div(studentFeature, temperature));
        const kl = tf.mul(tf.sum(tf.mul(tf.exp(logT), tf.sub(logT, logS)), -1, true), temperature * temperature) as Tf.Tensor4D;
        const mse = tf.mean(tf.square(tf.sub(feature, studentFeature)), -1, true) as Tf.Tensor4D;
        return [
          up(kl),
          up(mse),
          tf.sub(1, tf.exp(tf.max(logP, -1))),
          tf.neg(tf.max(logits, -1)),
          tf.neg(tf.sum(tf.mul(tf.exp(logP), logP), -1)),
          tf.argMax(logits, -1),
        ];
      });
      const data = await Promise.all(maps.map((m) => m.data()));
      tf.dispose(maps);
      const f32 = (i: number) => data[i] as Float32Array;
      return { dicnetKl: f32(0), dicnetMse: f32(1), msp: f32(2), maxLogit: f32(3), entropy: f32(4), argmax: data[5] as Int32Array };
    },
    dispose() {
      teacher.dispose();
      student.dispose();
      tf.engine().reset();
    },
  };
}

interface ConvSpec {
  stride?: number;
  padding?: number;
  dilation?: number;
}

/** A conv with its batch norm folded in: filter HWIO and bias. */
interface FoldedConv {
  filter: Tf.Tensor4D;
  bias: Tf.Tensor1D;
  spec: ConvSpec;
}

class Network {
  private readonly kept: Tf.Tensor[] = [];
  private readonly folded = new Map<string, FoldedConv>();

  constructor(
    private readonly tf: typeof Tf,
    private readonly config: ModelConfig,
    private readonly net: NetworkConfig,
    private readonly weights: Weights,
  ) {
    if (net.encoder.block !== 'basic') throw new Error('the TF.js peer builds basic-block encoders only (the tiny configuration)');
  }

  /** The decoder's last 3x3 conv, and layer1's map (which a teacher's head skip reads). */
  convAndLow(x: Tf.Tensor4D): { conv: Tf.Tensor4D; low: Tf.Tensor4D } {
    const tf = this.tf;
    const { map, low } = this.encoder(x, this.net.encoder);
    const [h, w] = [map.shape[1], map.shape[2]];
    const branches = this.config.poolScales.map((s, i) =>
      tf.image.resizeBilinear(this.conv(this.adaptiveAvgPool(map, s), `decoder.ppm.${i}.1`, `decoder.ppm.${i}.2`, {}, true), [h, w], false, true),
    );
    return { conv: this.conv(tf.concat([map, ...branches], 3), 'decoder.conv_last.0', null, { padding: 1 }, false), low };
  }

  /** The teacher feature: conv_last.1's batch norm on its running statistics, with or without its weight and bias. */
  normalisedFeature(conv: Tf.Tensor4D, affine: boolean): Tf.Tensor4D {
    const tf = this.tf;
    const { mean, invstd } = this.statistics('decoder.conv_last.1');
    const standardised = tf.mul(tf.sub(conv, mean), invstd) as Tf.Tensor4D;
    return affine ? (tf.add(tf.mul(standardised, this.tensor('decoder.conv_last.1.weight')), this.tensor('decoder.conv_last.1.bias')) as Tf.Tensor4D) : standardised;
  }

  /**
   * conv_last.1-4: BN, ReLU, (Dropout2d: nothing at inference), 1x1 conv with
   * bias; with the head skip, upsampled to layer1's map and fused with it
   * (skip_proj, skip_fuse) before the 1x1 conv.
   */
  logits(conv: Tf.Tensor4D, low: Tf.Tensor4D): Tf.Tensor4D {
    const tf = this.tf;
    const { mean, invstd } = this.statistics('decoder.conv_last.1');
    const scale = tf.mul(invstd, this.tensor('decoder.conv_last.1.weight'));
    let x = tf.relu(tf.add(tf.mul(tf.sub(conv, mean), scale), this.tensor('decoder.conv_last.1.bias'))) as Tf.Tensor4D;
    if (this.weights.has('decoder.skip_proj.0.weight')) {
      const upsampled = tf.image.resizeBilinear(x, [low.shape[1], low.shape[2]], false, true);
      const projected = this.conv(low, 'decoder.skip_proj.0', 'decoder.skip_proj.1', {}, true);
      x = this.conv(tf.concat([upsampled, projected], 3), 'decoder.skip_fuse.0', 'decoder.skip_fuse.1', { padding: 1 }, true);
    }
    return this.conv(x, 'decoder.conv_last.4', null, {}, false);
  }

  dispose(): void {
    this.tf.dispose(this.kept);
  }

  private encoder(x: Tf.Tensor4D, e: EncoderConfig): { map: Tf.Tensor4D; low: Tf.Tensor4D } {
    const deep = e.stem === 'deep';
    x = this.conv(x, 'encoder.conv1', 'encoder.bn1', { stride: 2, padding: e.stemPadding }, true);
    if (deep) {
      x = this.conv(x, 'encoder.conv2', 'encoder.bn2', { padding: 1 }, true);
      x = this.conv(x, 'encoder.conv3', 'encoder.bn3', { padding: 1 }, true);
    }
    x = this.tf.maxPool(x, 3, 2, 1);
    const geometry = [
      [1, 1],
      [2, 1],
      [1, 2],
      [1, 4],
    ] as const;
    let low = x;
    geometry.forEach(([stride, dilation], i) => {
      for (let b = 0; b < e.layers[i]!; b++) {
        const first = b === 0;
        const firstDilation = first && dilation > 1 ? dilation / 2 : dilation;
        x = this.basicBlock(x, `encoder.layer${i + 1}.${b}`, first ? stride : 1, dilation, firstDilation);
      }
      if (i === 0) low = x;
    });
    return { map: x, low };
  }

  private basicBlock(x: Tf.Tensor4D, prefix: string, stride: number, dilation: number, firstDilation: number): Tf.Tensor4D {
    const out = this.conv(x, `${prefix}.conv1`, `${prefix}.bn1`, { stride, padding: firstDilation, dilation: firstDilation }, true);
    const main = this.conv(out, `${prefix}.conv2`, `${prefix}.bn2`, { padding: dilation, dilation }, false);
    const shortcut = this.weights.has(`${prefix}.downsample.0.weight`) ? this.conv(x, `${prefix}.downsample.0`, `${prefix}.downsample.1`, { stride }, false) : x;
    return this.tf.relu(this.tf.add(main, shortcut)) as Tf.Tensor4D;
  }

  /** PyTorch's adaptive average pooling: bin i of s covers [floor(i * n / s), ceil((i + 1) * n / s)), as a matrix product. */
  private adaptiveAvgPool(x: Tf.Tensor4D, s: number): Tf.Tensor4D {
    const tf = this.tf;
    const [n, h, w, c] = x.shape;
    const pool = this.constant(`pool${s}x${h}x${w}`, () => {
      const m = new Float32Array(s * s * h * w);
      const bins = (size: number, i: number) => [Math.floor((i * size) / s), Math.ceil(((i + 1) * size) / s)] as const;
      for (let by = 0; by < s; by++) {
        const [y0, y1] = bins(h, by);
        for (let bx = 0; bx < s; bx++) {
          const [x0, x1] = bins(w, bx);
          for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) m[(by * s + bx) * h * w + y * w + xx] = 1 / ((y1 - y0) * (x1 - x0));
        }
      }
      return tf.tensor2d(m, [s * s, h * w]);
    });
    const columns = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [h * w, n * c]);
    return tf.transpose(tf.reshape(tf.matMul(pool as Tf.Tensor2D, columns), [s, s, n, c]), [2, 0, 1, 3]);
  }

  private conv(x: Tf.Tensor4D, conv: string, bn: string | null, spec: ConvSpec, relu: boolean): Tf.Tensor4D {
    const f = this.fold(conv, bn, spec);
    return this.tf.fused.conv2d({
      x,
      filter: f.filter,
      strides: f.spec.stride ?? 1,
      pad: f.spec.padding ?? 0,
      dilations: f.spec.dilation ?? 1,
      bias: f.bias,
      activation: relu ? 'relu' : 'linear',
    });
  }

  /** The conv's filter (HWIO) scaled per output channel by the batch norm's weight * invstd, and the bias that completes it. */
  private fold(conv: string, bn: string | null, spec: ConvSpec): FoldedConv {
    const key = `${conv}|${bn}`;
    let f = this.folded.get(key);
    if (f) return f;
    const w = this.array(`${conv}.weight`);
    const [cOut, cIn, kh, kw] = w.shape as [number, number, number, number];
    const scale = new Float32Array(cOut).fill(1);
    const bias = this.weights.has(`${conv}.bias`) ? Float32Array.from(this.array(`${conv}.bias`).data) : new Float32Array(cOut);
    if (bn) {
      const gamma = this.array(`${bn}.weight`).data;
      const beta = this.array(`${bn}.bias`).data;
      const mean = this.array(`${bn}.running_mean`).data;
      const variance = this.array(`${bn}.running_var`).data;
      for (let o = 0; o < cOut; o++) {
        scale[o] = gamma[o]! / Math.sqrt(variance[o]! + bnEps);
        bias[o] = beta[o]! + (bias[o]! - mean[o]!) * scale[o]!;
      }
    }
    const hwio = new Float32Array(w.data.length);
    for (let o = 0; o < cOut; o++)
      for (let i = 0; i < cIn; i++)
        for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) hwio[((y * kw + x) * cIn + i) * cOut + o] = w.data[((o * cIn + i) * kh + y) * kw + x]! * scale[o]!;
    f = { filter: this.keep(this.tf.tensor4d(hwio, [kh, kw, cIn, cOut])), bias: this.keep(this.tf.tensor1d(bias)), spec };
    this.folded.set(key, f);
    return f;
  }

  private statistics(bn: string): { mean: Tf.Tensor1D; invstd: Tf.Tensor1D } {
    return {
      mean: this.tensor(`${bn}.running_mean`),
      invstd: this.constant(`${bn}.invstd`, () => this.tf.tensor1d(this.array(`${bn}.running_var`).data.map((v) => 1 / Math.sqrt(v + bnEps)))) as Tf.Tensor1D,
    };
  }

  private tensor(name: string): Tf.Tensor1D {
    return this.constant(name, () => this.tf.tensor1d(this.array(name).data)) as Tf.Tensor1D;
  }

  private readonly constants = new Map<string, Tf.Tensor>();

  private constant(key: string, make: () => Tf.Tensor): Tf.Tensor {
    let t = this.constants.get(key);
    if (!t) this.constants.set(key, (t = this.keep(this.tf.tidy(make))));
    return t;
  }

  private keep<T extends Tf.Tensor>(t: T): T {
    this.tf.keep(t);
    this.kept.push(t);
    return t;
  }

  private array(name: string): { data: Float32Array; shape: readonly number[] } {
    const a = this.weights.get(name);
    if (!a) throw new Error(`TF.js peer: no weight named ${name}`);
    return a;
  }
}
