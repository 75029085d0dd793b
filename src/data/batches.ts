// Batches for training and evaluation: seeded shuffling per epoch, seeded
// crop/flip augmentation, resizing to the model input, ImageNet normalisation.
// The whole position of a training stream (epoch, cursor, augmentation RNG) is
// a small serialisable state, so a resumed run continues with the same order
// and the same crops as an uninterrupted one.

import type { Batch } from '../base/batch';
import { ANOMALY_LABEL, IGNORE_LABEL, UNCLASSIFIED_LABEL } from '../base/labels';
import { Random } from '../base/random';
import { DataError, describeError } from './errors';
import { keptAspectSize } from './image-input';
import { resampleInto, type CropWindow } from './resize';
import { applyColourChange, drawColourChange, type ColourJitter } from './colour-jitter';
import { paintOutlier, type OutlierShapes } from './outlier-shapes';
import { forgetPhotos, preloadPhotos } from './photo';
import { mixSeed } from './seed';
import { loadSample, type BadSamplePolicy, type LoadedSample, type Sample, type SkippedFile } from './dataset';

export interface Augmentation {
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
  /** Zoom: crop a window of 1/s of the image's width and height, s uniform in [minScale, maxScale] (>= 1). */
  minScale: number;
  maxScale: number;
  /** Photometric jitter per image (drawn after the crop); none by default. */
  colour?: ColourJitter;
  /** Procedural outliers painted in (after the jitter), their pixels labelled ANOMALY_LABEL; none by default. */
  outliers?: OutlierShapes;
}

export const DEFAULT_AUGMENTATION: Augmentation = { flip: true, minScale: 1, maxScale: 1.5 };

export interface BatchOptions {
  batchSize: number;
  /** Model input size; labels come at the same size. */
  height: number;
  width: number;
  /** The dataset's number of classes: labels 0..classCount-1 are classes. */
  classCount: number;
  /** What a sample that fails to load does: be counted and passed over ('skip') or throw ('fail', default). */
  onBadSample?: BadSamplePolicy;
  /** Reads a sample; defaults to loadSample (by the rules of the sample's label format). */
  load?: (sample: Sample) => LoadedSample;
}

export interface TrainBatchOptions extends BatchOptions {
  seed: number;
  /** Default true. */
  shuffle?: boolean;
  /** Default DEFAULT_AUGMENTATION; null for none. */
  augmentation?: Augmentation | null;
}

/** A batch and the samples it was made of, in batch order. */
export interface SampleBatch extends Batch {
  samples: Sample[];
}

export interface BatchStreamState {
  sampleCount: number;
  seed: number;
  epoch: number;
  /** Position within the epoch's order. */
  cursor: number;
  /** Augmentation RNG words. */
  rng: number[];
}

/**
 * Which labels a batch may hold. The cross-entropy kernel cannot raise, so a
 * value outside these would be skipped silently; and the train split has no
 * anomaly pixels by definition (the teacher has no class for them, and the
 * student would learn to agree with the teacher on them).
 */
type LabelRule = 'training' | 'evaluation';

const labelRules: Record<LabelRule, (k: number) => string> = {
  training: (k) => `the training split must hold known classes 0..${k - 1} and the ignore value ${IGNORE_LABEL} only`,
  evaluation: (k) => `labels are known classes 0..${k - 1}, unclassified normal ${UNCLASSIFIED_LABEL}, the anomaly class ${ANOMALY_LABEL} and the ignore value ${IGNORE_LABEL}`,
};

/** Throws a DataError naming the annotation file, the first label the rule refuses, its pixel and how many more there are. */
function checkLabels(loaded: LoadedSample, rule: LabelRule, classCount: number): LoadedSample {
  const evaluation = rule === 'evaluation';
  const allowed = (v: number) => v < classCount || v === IGNORE_LABEL || (evaluation && (v === ANOMALY_LABEL || v === UNCLASSIFIED_LABEL));
  const { labels, width } = loaded;
  let first = -1;
  let count = 0;
  for (let p = 0; p < labels.length; p++) {
    if (allowed(labels[p]!)) continue;
    if (first < 0) first = p;
    count++;
  }
  if (first < 0) return loaded;
  const value = labels[first]!;
  const more = count > 1 ? ` and in ${count - 1} more pixel${count > 2 ? 's' : ''}` : '';
  const what = value === ANOMALY_LABEL ? 'the anomaly class' : 'not a class';
  const file = loaded.sample.annotation;
  throw new DataError(`${file}: label ${value} (${what}) at x ${first % width}, y ${Math.floor(first / width)}${more}; ${labelRules[rule](classCount)}`, [file]);
}

/** Samples that failed to load or hold labels the rule refuses, counted and kept with the reason, for 'skip'. */
class BadSamples {
  readonly skipped: SkippedFile[] = [];
  private readonly known = new Set<Sample>();

  constructor(
    private readonly policy: BadSamplePolicy,
    private readonly load: (sample: Sample) => LoadedSample,
    private readonly rule: LabelRule,
    private readonly classCount: number,
  ) {}

  /** The loaded sample, or null when it is bad and the policy skips it. */
  tryLoad(sample: Sample): LoadedSample | null {
    if (this.known.has(sample)) return null;
    try {
      return checkLabels(this.load(sample), this.rule, this.classCount);
    } catch (error) {
      if (this.policy === 'fail' || !(error instanceof DataError)) throw error;
      this.known.add(sample);
      this.skipped.push({ file: error.files[0] ?? sample.image, reason: describeError(error) });
      return null;
    }
  }

  get badCount(): number {
    return this.known.size;
  }
}

function allocateBatch(size: number, options: { height: number; width: number }): SampleBatch {
  const plane = options.height * options.width;
  return {
    size,
    height: options.height,
    width: options.width,
    images: new Float32Array(size * 3 * plane),
    labels: new Int32Array(size * plane),
    samples: [],
  };
}

function checkOptions(samples: readonly Sample[], options: BatchOptions): void {
  for (const key of ['batchSize', 'height', 'width'] as const) {
    if (!Number.isInteger(options[key]) || options[key] <= 0) throw new DataError(`batches: ${key} must be a positive integer, got ${options[key]}`);
  }
  if (samples.length === 0) throw new DataError('batches: no samples');
}

/** An endless stream of training batches: epoch after epoch, reshuffled each epoch. */
export class BatchStream {
  private readonly bad: BadSamples;
  private readonly rng: Random;
  private epoch: number;
  private cursor: number;
  private order: number[];

  constructor(
    private readonly samples: readonly Sample[],
    private readonly options: TrainBatchOptions,
    resumeFrom?: BatchStreamState,
  ) {
    checkOptions(samples, options);
    const augmentation = this.augmentation;
    if (augmentation && !(augmentation.minScale >= 1 && augmentation.maxScale >= augmentation.minScale)) {
      throw new DataError(`batches: augmentation scales must satisfy 1 <= minScale <= maxScale, got ${augmentation.minScale}..${augmentation.maxScale}`);
    }
    this.bad = new BadSamples(options.onBadSample ?? 'fail', options.load ?? loadSample, 'training', options.classCount);
    if (resumeFrom) {
      if (resumeFrom.sampleCount !== samples.length || resumeFrom.seed !== options.seed) {
        throw new DataError(
          `batches: cannot resume a stream of ${resumeFrom.sampleCount} samples with seed ${resumeFrom.seed} over ${samples.length} samples with seed ${options.seed}`,
        );
      }
      this.epoch = resumeFrom.epoch;
      this.cursor = resumeFrom.cursor;
      this.rng = new Random(resumeFrom.rng);
    } else {
      this.epoch = 0;
      this.cursor = 0;
      this.rng = new Random(mixSeed(options.seed, 0xa06));
    }
    this.order = this.epochOrder(this.epoch);
  }

  /** Files passed over so far (with 'skip'), each once, with the reason. */
  get skipped(): readonly SkippedFile[] {
    return this.bad.skipped;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  state(): BatchStreamState {
    return { sampleCount: this.samples.length, seed: this.options.seed, epoch: this.epoch, cursor: this.cursor, rng: this.rng.state };
  }

  next(): SampleBatch {
    const batch = allocateBatch(this.options.batchSize, this.options);
    while (batch.samples.length < batch.size) {
      if (this.cursor >= this.order.length) {
        this.epoch += 1;
        this.cursor = 0;
        this.order = this.epochOrder(this.epoch);
      }
      const sample = this.samples[this.order[this.cursor]!]!;
      this.cursor += 1;
      const loaded = this.bad.tryLoad(sample);
      if (!loaded) {
        if (this.bad.badCount === this.samples.length) {
          throw new DataError(`batches: every one of the ${this.samples.length} samples failed to load (first: ${this.bad.skipped[0]?.reason})`);
        }
        continue;
      }
      resampleInto(loaded, this.cropWindow(loaded), batch.images, batch.labels, batch.samples.length, batch.height, batch.width);
      const colour = this.augmentation?.colour;
      if (colour) applyColourChange(batch.images, batch.samples.length, batch.height * batch.width, drawColourChange(this.rng, colour));
      const outliers = this.augmentation?.outliers;
      if (outliers) paintOutlier(this.rng, outliers, batch.images, batch.labels, batch.samples.length, batch.height, batch.width);
      batch.samples.push(sample);
    }
    return batch;
  }

  private epochOrder(epoch: number): number[] {
    const order = Array.from({ length: this.samples.length }, (_, i) => i);
    return this.options.shuffle === false ? order : new Random(mixSeed(this.options.seed, 0x5e1, epoch)).shuffle(order);
  }

  private get augmentation(): Augmentation | null {
    return this.options.augmentation === undefined ? DEFAULT_AUGMENTATION : this.options.augmentation;
  }

  private cropWindow(loaded: LoadedSample): CropWindow {
    const augmentation = this.augmentation;
    if (!augmentation) return { x: 0, y: 0, width: loaded.width, height: loaded.height, flip: false };
    const scale = augmentation.minScale + this.rng.next() * (augmentation.maxScale - augmentation.minScale);
    const width = loaded.width / scale;
    const height = loaded.height / scale;
    const x = this.rng.next() * (loaded.width - width);
    const y = this.rng.next() * (loaded.height - height);
    const flip = augmentation.flip && this.rng.next() < 0.5;
    return { x, y, width, height, flip };
  }
}

export interface InOrderBatches {
  batches: Generator<SampleBatch>;
  /** Files passed over so far (with 'skip'). */
  skipped: readonly SkippedFile[];
}

export interface InOrderOptions extends BatchOptions {
  /**
   * Each image keeps its aspect (keptAspectSize: `width` wide, as high as its
   * aspect gives) instead of being resized to height x width; a batch then
   * holds images of one size, and a change of size starts a new one.
   */
  keepAspect?: boolean;
}

/** One pass in the given order, no augmentation, a batch possibly smaller than batchSize: for evaluation. */
export function batchesInOrder(samples: readonly Sample[], options: InOrderOptions): InOrderBatches {
  checkOptions(samples, options);
  const bad = new BadSamples(options.onBadSample ?? 'fail', options.load ?? loadSample, 'evaluation', options.classCount);
  const sizeOf = (loaded: LoadedSample) => (options.keepAspect ? keptAspectSize(loaded.width, loaded.height, options) : options);
  function* generate(): Generator<SampleBatch> {
    let pending: { sample: Sample; loaded: LoadedSample }[] = [];
    let size = { height: options.height, width: options.width };
    const flush = (): SampleBatch => {
      const batch = allocateBatch(pending.length, size);
      for (const { sample, loaded } of pending) {
        const window = { x: 0, y: 0, width: loaded.width, height: loaded.height, flip: false };
        resampleInto(loaded, window, batch.images, batch.labels, batch.samples.length, batch.height, batch.width);
        batch.samples.push(sample);
      }
      pending = [];
      return batch;
    };
    for (const sample of samples) {
      const loaded = bad.tryLoad(sample);
      if (!loaded) continue;
      const next = sizeOf(loaded);
      if (pending.length > 0 && (next.height !== size.height || next.width !== size.width)) yield flush();
      size = { height: next.height, width: next.width };
      pending.push({ sample, loaded });
      if (pending.length === options.batchSize) yield flush();
    }
    if (pending.length > 0) yield flush();
  }
  return { batches: generate(), skipped: bad.skipped };
}

export interface PhotoBatches {
  batches: AsyncGenerator<SampleBatch>;
  skipped: readonly SkippedFile[];
}

/**
 * batchesInOrder over photos that may be WebP, whose decoder is asynchronous:
 * the photos of the next two batches are decoded before a batch is made and
 * let go once it has been used, so a set of any size holds about two batches
 * of pixels. (Samples checked before, as the job and `dicnet eval` do, never
 * run past that window by being bad.)
 */
export function photoBatchesInOrder(samples: readonly Sample[], options: InOrderOptions): PhotoBatches {
  const inner = batchesInOrder(samples, options);
  const position = new Map(samples.map((s, i) => [s, i]));
  const ahead = 2 * options.batchSize;
  const paths = (from: number, to: number) => samples.slice(from, to).map((s) => s.image);
  async function* generate(): AsyncGenerator<SampleBatch> {
    let used = 0;
    try {
      for (;;) {
        await preloadPhotos(paths(used, used + ahead));
        const next = inner.batches.next();
        if (next.done) return;
        const end = position.get(next.value.samples[next.value.samples.length - 1]!)! + 1;
        yield next.value;
        forgetPhotos(paths(used, end));
        used = end;
      }
    } finally {
      forgetPhotos(paths(used, used + ahead));
    }
  }
  return { batches: generate(), skipped: inner.skipped };
}
