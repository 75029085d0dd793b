// The two training phases of the main job as checkpointed phases (see
// model/trainer): what each trains, with which optimizer, data and schedule,
// and the options a resumed run must share with the interrupted one.

import type { Random } from '../base/random';
import { BatchStream, DEFAULT_AUGMENTATION, type Augmentation, type BatchStreamState } from '../data/batches';
import { COLOUR_JITTER } from '../data/colour-jitter';
import { OUTLIER_SHAPES } from '../data/outlier-shapes';
import type { DatasetIndex, LoadedSample, Sample, SkippedFile } from '../data/dataset';
import { Adam, SGD } from '../graph/optim';
import { Tensor } from '../graph/tensor';
import { classBalancedWeights, SQRT_BALANCED } from '../model/class-weights';
import type { ModelConfig } from '../model/config';
import type { Student, Teacher } from '../model/networks';
import { distillStep, teacherStep } from '../model/steps';
import type { PhaseResult, PhaseSpec } from '../training/trainer';
import type { NonFiniteCounts, RunFingerprint } from '../training/training-state';
import { resumeFingerprint } from './option-table';
import { outlierExposure, trainOptions, type ResolvedRunOptions } from './options';

/** What the report needs of a finished phase, also carried in the student's checkpoints for the teacher. */
export interface PhaseSummary {
  seconds: number;
  steps: number;
  resumedFrom: number | null;
  losses: { first: number[]; last: number[] };
  nonFinite: NonFiniteCounts;
  skippedFiles: SkippedFile[];
}

export function summarise(r: PhaseResult): PhaseSummary {
  return { seconds: r.seconds, steps: r.step, resumedFrom: r.resumedFrom, losses: r.losses, nonFinite: r.nonFinite, skippedFiles: [...r.skipped] };
}

/** What a resumed run must repeat, with the dataset's defaults filled in (a resumed run finds them the same). */
export function runFingerprint(o: ResolvedRunOptions): RunFingerprint {
  return resumeFingerprint(trainOptions, o);
}

interface PhaseContext {
  index: DatasetIndex;
  options: ResolvedRunOptions;
  config: ModelConfig;
  rng: Random;
  path: string;
  /** Pixels of each known class in the training split. */
  trainClassPixels: readonly number[];
  /** Reads a training frame (both phases share one, so frames decoded by the teacher's are kept for the student's); default loadSample. */
  loadTrainSample?: (sample: Sample) => LoadedSample;
}

/** The teacher's class weights for this run, or null for plain cross-entropy. */
export function teacherClassWeights(ctx: Pick<PhaseContext, 'options' | 'trainClassPixels'>): Float32Array | null {
  return ctx.options.classWeights === 'sqrt' ? classBalancedWeights(ctx.trainClassPixels, SQRT_BALANCED) : null;
}

function schedule(ctx: PhaseContext, epochs: number, seedOffset: number, augmentation: Augmentation = DEFAULT_AUGMENTATION) {
  const samples = ctx.index.splits.train!;
  const { options: o, config: c } = ctx;
  const stepsPerEpoch = Math.max(1, Math.floor(samples.length / o.batchSize));
  return {
    totalSteps: stepsPerEpoch * epochs,
    checkpointEvery: o.checkpointEvery || stepsPerEpoch,
    stream: (resumeFrom?: BatchStreamState) =>
      new BatchStream(samples, { batchSize: o.batchSize, height: c.inputHeight, width: c.inputWidth, classCount: c.numClasses, seed: o.seed + seedOffset, onBadSample: o.onBadSample, augmentation, load: ctx.loadTrainSample }, resumeFrom),
  };
}

/** Cross-entropy on the known classes (class-weighted by default), SGD with momentum and the poly schedule. */
export function teacherPhase(teacher: Teacher, ctx: PhaseContext): PhaseSpec {
  const o = ctx.options;
  const optimizer = new SGD(teacher.namedParameters().map(([name, param]) => ({ name, param })), o.teacherLr, 0.9, 1e-4);
  const weights = teacherClassWeights(ctx);
  const classWeights = weights && Tensor.from(teacher.parameters()[0]!.rt, weights, [weights.length], 'persistent');
  teacher.train();
  return {
    phase: 'teacher',
    label: classWeights ? 'teacher (class-weighted cross-entropy)' : 'teacher (cross-entropy)',
    model: teacher,
    optimizer,
    rng: ctx.rng,
    step: (batch, step) => teacherStep(teacher, optimizer, batch, step, classWeights),
    path: ctx.path,
    options: runFingerprint(o),
    onNan: o.onNan,
    ...schedule(ctx, o.teacherEpochs, 0),
  };
}

/** Distillation of the frozen teacher's feature into the student, Adam and the poly schedule. */
export function studentPhase(teacher: Teacher, student: Student, ctx: PhaseContext, carry?: Record<string, string>): PhaseSpec {
  const o = ctx.options;
  const exposure = outlierExposure(o);
  const optimizer = new Adam(student.namedParameters().map(([name, param]) => ({ name, param })), o.studentLr, { weightDecay: 1e-5 });
  teacher.freeze().eval();
  student.train();
  return {
    phase: 'student',
    label: `student (${[`${o.loss === 'kl' ? 'KL' : 'MSE'} distillation`, ...(o.studentJitter === 'colour' ? ['colour jitter'] : []), ...(exposure ? [`${exposure.target} outliers weighing ${exposure.weight}`] : [])].join(', ')})`,
    model: student,
    optimizer,
    rng: ctx.rng,
    step: (batch, step) => distillStep(teacher, student, optimizer, batch, step, o.loss, o.temperature, exposure),
    path: ctx.path,
    options: runFingerprint(o),
    onNan: o.onNan,
    ...(carry ? { carry } : {}),
    ...schedule(ctx, o.studentEpochs, 1, {
      ...DEFAULT_AUGMENTATION,
      ...(o.studentJitter === 'colour' ? { colour: COLOUR_JITTER } : {}),
      ...(exposure ? { outliers: OUTLIER_SHAPES } : {}),
    }),
  };
}
