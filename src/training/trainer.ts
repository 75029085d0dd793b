// One training phase (the teacher's cross-entropy or the student's
// distillation) run step by step with checkpoints. At the phase's start, every
// K steps, at its end and when asked to stop, the whole training state (model
// state dict, optimizer slots as `optimizer.<param>.<slot>`, and the position:
// step, optimizer step count, LR schedule, RNG words, data stream) is written
// atomically to one safetensors file. A run resumed from it issues the same GPU
// ops on the same data as the uninterrupted run, so it ends with the same bits.

import type { Batch } from '../base/batch';
import type { Random } from '../base/random';
import { CheckpointError } from '../checkpoint/errors';
import { loadCheckpointFile, saveCheckpoint } from '../checkpoint/io';
import type { DecodedCheckpoint } from '../checkpoint/safetensors';
import type { BatchStream, BatchStreamState } from '../data/batches';
import { createProgress } from '../data/progress';
import type { SkippedFile } from '../data/dataset';
import type { Module } from '../graph/module';
import { polyLearningRate, type Optimizer } from '../graph/optim';
import type { Tensor } from '../graph/tensor';
import { NonFiniteLossError } from '../model/errors';
import { checkStateDict, readState, stateSignatures, withPrefix, writeState, type TensorSignature } from '../model/state';
import { checkSameOptions, lossWindow, parseProgress, progressMetadata, type NonFiniteCounts, type PhaseName, type RunFingerprint, type TrainingProgress } from './training-state';

export type NanPolicy = 'stop' | 'lower-lr';

/** Halvings of the learning rate before --on-nan lower-lr gives up. */
export const maxLrHalvings = 8;

export interface StepInfo {
  phase: PhaseName;
  /** Index of the step in its phase, from 0. */
  step: number;
}

/** Test hooks: faults are injected here (a NaN in a batch, a lost device). */
export interface TrainerHooks {
  beforeStep?(info: StepInfo & { batch: Batch }): void | Promise<void>;
  /** After the step and the checkpoint it may write. */
  afterStep?(info: StepInfo & { loss: number }): void | Promise<void>;
}

export interface CheckpointInfo {
  path: string;
  phase: PhaseName;
  step: number;
  totalSteps: number;
}

/** Shared by the phases of a run and whoever may interrupt it (a signal handler). */
export interface TrainingControl {
  /** Set (to what asked, e.g. "SIGINT") to stop after the current step, with a checkpoint. */
  stopRequested: string | null;
  /** Steps this run may still train (--stop-after); null: no limit. */
  stepsLeft: number | null;
  lastCheckpoint: CheckpointInfo | null;
  hooks: TrainerHooks;
}

export interface PhaseSpec {
  phase: PhaseName;
  /** Progress label. */
  label: string;
  model: Module;
  optimizer: Optimizer;
  /** The model's generator (dropout). */
  rng: Random;
  /** The training batches, from the start or from a saved position. */
  stream(resumeFrom?: BatchStreamState): BatchStream;
  /** One training step; throws NonFiniteLossError when it was not applied. */
  step(batch: Batch, step: number): Promise<number>;
  totalSteps: number;
  checkpointEvery: number;
  path: string;
  options: RunFingerprint;
  onNan: NanPolicy;
  /** Strings kept with the phase's checkpoints (a resumed run gets them back). */
  carry?: Record<string, string>;
}

export interface PhaseResult {
  completed: boolean;
  step: number;
  /** Steps trained by this run (not counting those before a resume). */
  stepsRun: number;
  resumedFrom: number | null;
  losses: { first: number[]; last: number[] };
  nonFinite: NonFiniteCounts;
  /** Training seconds over all runs of the phase. */
  seconds: number;
  carry: Record<string, string>;
  skipped: readonly SkippedFile[];
}

export function newControl(stepsLeft: number | null = null): TrainingControl {
  return { stopRequested: null, stepsLeft, lastCheckpoint: null, hooks: {} };
}

/** Trains a phase from the start, or from `resumeFrom` (a training-state checkpoint of the same phase and options). */
export async function runPhase(spec: PhaseSpec, control: TrainingControl, resumeFrom: { checkpoint: DecodedCheckpoint; source: string } | null = null): Promise<PhaseResult> {
  const trainer = new PhaseTrainer(spec, control);
  if (resumeFrom) trainer.resume(resumeFrom.checkpoint, resumeFrom.source);
  return trainer.run();
}

class PhaseTrainer {
  private step = 0;
  private stream: BatchStream;
  private lrScale = 1;
  private losses: { first: number[]; last: number[] } = { first: [], last: [] };
  private nonFinite: NonFiniteCounts = { skipped: 0, lrHalvings: 0, stepsRedone: 0 };
  private secondsBefore = 0;
  private savedAt: number | null = null;
  private resumedFrom: number | null = null;
  private carry: Record<string, string>;
  private stepsTrained = 0;
  /** Bad files met by streams replaced on a rollback. */
  private skippedBefore: SkippedFile[] = [];

  /** The optimizer's learning rate as the phase hands it over: the base of the poly schedule. */
  private readonly baseLr: number;

  constructor(
    private readonly spec: PhaseSpec,
    private readonly control: TrainingControl,
  ) {
    this.stream = spec.stream();
    this.carry = spec.carry ?? {};
    this.baseLr = spec.optimizer.lr;
  }

  async run(): Promise<PhaseResult> {
    const { spec, control } = this;
    const started = performance.now();
    const seconds = (): number => this.secondsBefore + (performance.now() - started) / 1000;
    const progress = createProgress(spec.label, spec.totalSteps, { alreadyDone: this.step });
    if (this.step > 0) process.stderr.write(`${spec.label}: resumed at step ${this.step} of ${spec.totalSteps}\n`);
    if (this.savedAt === null) await this.save(seconds());
    while (this.step < spec.totalSteps) {
      if (control.stopRequested !== null || control.stepsLeft === 0) {
        if (this.savedAt !== this.step) await this.save(seconds());
        if (process.stderr.isTTY) process.stderr.write('\n');
        return this.result(false, seconds());
      }
      const batch = this.stream.next();
      await control.hooks.beforeStep?.({ phase: spec.phase, step: this.step, batch });
      spec.optimizer.lr = polyLearningRate(this.baseLr, this.step, spec.totalSteps) * this.lrScale;
      let loss: number;
      try {
        loss = await spec.step(batch, this.step);
      } catch (error) {
        if (!(error instanceof NonFiniteLossError) || spec.onNan !== 'lower-lr') throw error;
        await this.rollBack(error, seconds());
        continue;
      }
      this.step++;
      this.stepsTrained++;
      if (control.stepsLeft !== null) control.stepsLeft--;
      this.recordLoss(loss);
      progress.tick(1, `loss ${loss.toFixed(4)}`);
      if (this.step % spec.checkpointEvery === 0 || this.step === spec.totalSteps) await this.save(seconds());
      await control.hooks.afterStep?.({ phase: spec.phase, step: this.step - 1, loss });
    }
    progress.done();
    return this.result(true, seconds());
  }

  resume(checkpoint: DecodedCheckpoint, source: string): void {
    this.restore(checkpoint, source);
    this.resumedFrom = this.step;
  }

  /** Checks everything in the checkpoint against this phase, then loads it; on any problem nothing is changed. */
  private restore(checkpoint: DecodedCheckpoint, source: string): void {
    const { spec } = this;
    const p = parseProgress(checkpoint.metadata, source);
    if (p.phase !== spec.phase) throw new CheckpointError(source, `holds the ${p.phase} phase, not the ${spec.phase} phase`);
    checkSameOptions(p.options, spec.options, source);
    if (p.totalSteps !== spec.totalSteps) {
      throw new CheckpointError(source, `the ${spec.phase} phase has ${spec.totalSteps} steps in this run but ${p.totalSteps} in the checkpoint (has the dataset changed?)`);
    }
    const slots = spec.optimizer.state();
    checkStateDict(trainingSignatures(spec.model, slots), checkpoint.tensors, source);
    const stream = spec.stream(p.data);
    this.skippedBefore.push(...this.stream.skipped);

    const modelTensors = new Map([...checkpoint.tensors].filter(([name]) => !name.startsWith('optimizer.')));
    writeState(spec.model, modelTensors, source);
    for (const [name, data] of withPrefix(checkpoint.tensors, 'optimizer')) slots.get(name)!.write(data.data as Float32Array);
    spec.optimizer.stepCount = p.optimizerSteps;
    spec.rng.state = p.modelRng;
    this.stream = stream;
    this.step = p.step;
    this.lrScale = p.lrScale;
    this.losses = p.losses;
    this.nonFinite = p.nonFinite;
    this.secondsBefore = p.seconds;
    this.carry = { ...p.carry, ...spec.carry };
    this.savedAt = p.step;
    this.control.lastCheckpoint = { path: source, phase: p.phase, step: p.step, totalSteps: p.totalSteps };
  }

  /** --on-nan lower-lr: back to the last checkpoint (the weights may already be ruined), at half the learning rate. */
  private async rollBack(error: NonFiniteLossError, seconds: number): Promise<void> {
    const counts = { ...this.nonFinite, skipped: this.nonFinite.skipped + 1 };
    if (counts.lrHalvings >= maxLrHalvings) {
      throw new NonFiniteLossError(error.loss, error.step, error.value, `still not finite after halving the learning rate ${maxLrHalvings} times`);
    }
    const scale = this.lrScale / 2;
    const failedAt = this.step;
    this.restore(await loadCheckpointFile(this.spec.path), this.spec.path);
    this.lrScale = scale;
    this.nonFinite = { ...counts, lrHalvings: counts.lrHalvings + 1, stepsRedone: counts.stepsRedone + failedAt - this.step };
    this.secondsBefore = seconds;
    process.stderr.write(`\n${error.message}\n  rolled back to the checkpoint at step ${this.step}; learning rate now x${scale} of the schedule\n`);
  }

  private recordLoss(loss: number): void {
    if (this.losses.first.length < lossWindow) this.losses.first.push(loss);
    this.losses.last.push(loss);
    if (this.losses.last.length > lossWindow) this.losses.last.shift();
  }

  private async save(seconds: number): Promise<void> {
    const { spec } = this;
    const slots = new Map([...spec.optimizer.state()].map(([name, t]) => [`optimizer.${name}`, t]));
    const tensors = await readState(spec.model, slots);
    await saveCheckpoint(spec.path, tensors, progressMetadata(this.progress(seconds)));
    this.savedAt = this.step;
    this.control.lastCheckpoint = { path: spec.path, phase: spec.phase, step: this.step, totalSteps: spec.totalSteps };
  }

  private progress(seconds: number): TrainingProgress {
    const { spec } = this;
    return {
      phase: spec.phase,
      step: this.step,
      totalSteps: spec.totalSteps,
      optimizerSteps: spec.optimizer.stepCount,
      lrScale: this.lrScale,
      modelRng: spec.rng.state,
      data: this.stream.state(),
      options: spec.options,
      losses: this.losses,
      nonFinite: this.nonFinite,
      seconds,
      carry: this.carry,
    };
  }

  private result(completed: boolean, seconds: number): PhaseResult {
    const skipped = new Map([...this.skippedBefore, ...this.stream.skipped].map((s) => [s.file, s]));
    return {
      completed,
      step: this.step,
      stepsRun: this.stepsTrained,
      resumedFrom: this.resumedFrom,
      losses: this.losses,
      nonFinite: this.nonFinite,
      seconds,
      carry: this.carry,
      skipped: [...skipped.values()],
    };
  }
}

/** What a training-state checkpoint of this model and optimizer must hold. */
export function trainingSignatures(model: Module, slots: ReadonlyMap<string, Tensor>): Map<string, TensorSignature> {
  const out = stateSignatures(model);
  for (const [name, t] of slots) out.set(`optimizer.${name}`, { dtype: 'F32', shape: [...t.shape] });
  return out;
}
