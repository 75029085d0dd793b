// The position of a training phase, as the `__metadata__` strings of its
// training-state checkpoint (next to the model's state dict and the optimizer's
// slots): everything besides tensors that a resumed run needs to continue
// exactly where the interrupted one stopped. Parsing checks every field, so a
// damaged or foreign file is refused with a CheckpointError naming the entry.

import { CheckpointError, quoted } from '../checkpoint/errors';
import type { BatchStreamState } from '../data/batches';

export type PhaseName = 'teacher' | 'student';

/** Run options that a resumed run must share with the interrupted one, by flag. */
export type RunFingerprint = Record<string, string | number | null>;

export interface NonFiniteCounts {
  /** Steps whose loss or gradient was NaN or infinite (none of them was applied). */
  skipped: number;
  /** Times the learning rate was halved (--on-nan lower-lr). */
  lrHalvings: number;
  /** Steps trained again after rolling back to the last checkpoint. */
  stepsRedone: number;
}

export interface TrainingProgress {
  phase: PhaseName;
  /** Steps completed in the phase. */
  step: number;
  totalSteps: number;
  /** The optimizer's step count (Adam's bias correction). */
  optimizerSteps: number;
  /** Multiplier on the phase's learning-rate schedule (1 unless lowered after a NaN). */
  lrScale: number;
  /** Words of the model's generator (dropout masks). */
  modelRng: number[];
  /** The training batch stream: epoch, cursor, augmentation generator. */
  data: BatchStreamState;
  options: RunFingerprint;
  /** The phase's first and last losses (up to lossWindow each), for the report. */
  losses: { first: number[]; last: number[] };
  nonFinite: NonFiniteCounts;
  /** Training seconds spent on the phase so far, over all runs. */
  seconds: number;
  /** Strings the caller keeps with the phase (e.g. the earlier phase's summary). */
  carry: Record<string, string>;
}

export const lossWindow = 10;
const kind = 'dicnet-training-state';

export function progressMetadata(p: TrainingProgress): Record<string, string> {
  return {
    format: 'pt',
    kind,
    phase: p.phase,
    step: String(p.step),
    total_steps: String(p.totalSteps),
    optimizer_steps: String(p.optimizerSteps),
    lr_scale: String(p.lrScale),
    rng_model: JSON.stringify(p.modelRng),
    data_stream: JSON.stringify(p.data),
    options: JSON.stringify(p.options),
    losses: JSON.stringify(p.losses),
    non_finite: JSON.stringify(p.nonFinite),
    seconds: String(p.seconds),
    carry: JSON.stringify(p.carry),
  };
}

export function parseProgress(metadata: Record<string, string> | undefined, source: string): TrainingProgress {
  const fail = (problem: string): CheckpointError => new CheckpointError(source, problem);
  if (metadata?.kind !== kind) {
    throw fail(`not a training-state checkpoint (its __metadata__ has kind ${quoted(metadata?.kind ?? null)}, not "${kind}")`);
  }
  const field = (key: string): string => {
    const value = metadata[key];
    if (value === undefined) throw fail(`__metadata__ has no "${key}" entry`);
    return value;
  };
  const whole = (key: string): number => {
    const n = Number(field(key));
    if (!Number.isSafeInteger(n) || n < 0) throw fail(`__metadata__ entry "${key}" is ${quoted(field(key))}, not a whole number`);
    return n;
  };
  const json = (key: string): unknown => {
    try {
      return JSON.parse(field(key));
    } catch {
      throw fail(`__metadata__ entry "${key}" is not JSON: ${quoted(field(key))}`);
    }
  };
  const phase = field('phase');
  if (phase !== 'teacher' && phase !== 'student') throw fail(`__metadata__ entry "phase" is ${quoted(phase)}, not teacher or student`);
  const progress: TrainingProgress = {
    phase,
    step: whole('step'),
    totalSteps: whole('total_steps'),
    optimizerSteps: whole('optimizer_steps'),
    lrScale: Number(field('lr_scale')),
    modelRng: json('rng_model') as number[],
    data: json('data_stream') as BatchStreamState,
    options: json('options') as RunFingerprint,
    losses: json('losses') as TrainingProgress['losses'],
    nonFinite: json('non_finite') as NonFiniteCounts,
    seconds: Number(field('seconds')),
    carry: json('carry') as Record<string, string>,
  };
  if (progress.step > progress.totalSteps) throw fail(`step ${progress.step} is past the phase's ${progress.totalSteps} steps`);
  if (!(progress.lrScale > 0 && progress.lrScale <= 1)) throw fail(`__metadata__ entry "lr_scale" is ${quoted(field('lr_scale'))}, not in (0, 1]`);
  if (!(progress.seconds >= 0)) throw fail(`__metadata__ entry "seconds" is ${quoted(field('seconds'))}, not a duration`);
  if (!isRngWords(progress.modelRng)) throw fail(`__metadata__ entry "rng_model" is ${quoted(progress.modelRng)}, not four 32-bit words`);
  if (!isStreamState(progress.data)) throw fail(`__metadata__ entry "data_stream" is ${quoted(progress.data)}, not a batch stream position`);
  if (!isRecord(progress.options)) throw fail('__metadata__ entry "options" is not an object');
  if (!isRecord(progress.carry) || !Object.values(progress.carry).every((v) => typeof v === 'string')) throw fail('__metadata__ entry "carry" is not an object of strings');
  const { losses, nonFinite } = progress;
  if (!isRecord(losses) || !isNumbers(losses.first) || !isNumbers(losses.last)) throw fail('__metadata__ entry "losses" is not {first, last} lists of numbers');
  if (!isRecord(nonFinite) || !['skipped', 'lrHalvings', 'stepsRedone'].every((k) => Number.isSafeInteger((nonFinite as unknown as Record<string, unknown>)[k]))) {
    throw fail('__metadata__ entry "non_finite" is not {skipped, lrHalvings, stepsRedone} counts');
  }
  return progress;
}

/** Throws one CheckpointError listing every option that differs between the checkpoint and this run. */
export function checkSameOptions(saved: RunFingerprint, current: RunFingerprint, source: string): void {
  const problems: string[] = [];
  let unset = false;
  for (const key of new Set([...Object.keys(current), ...Object.keys(saved)])) {
    const [was, now] = [saved[key] ?? null, current[key] ?? null];
    if (was === now) continue;
    problems.push(`${key} is ${shown(now)} in this run but ${shown(was)} in the checkpoint`);
    unset ||= was === null || now === null;
  }
  if (problems.length > 0) {
    // A fingerprint holds null for an option that is off or at its default, and checkpoints hold nothing for options newer than they are.
    const meaning = unset ? ' (unset: off, or at the default of its time)' : '';
    throw new CheckpointError(source, [...problems, `a run resumes only with the options it was started with: pass the same ones with --resume${meaning}`]);
  }
}

function shown(value: string | number | null): string {
  return value === null ? 'unset' : quoted(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

function isRngWords(value: unknown): value is number[] {
  return Array.isArray(value) && value.length === 4 && value.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) && value.some((w) => w !== 0);
}

function isStreamState(value: unknown): value is BatchStreamState {
  if (!isRecord(value)) return false;
  const counts = ['sampleCount', 'seed', 'epoch', 'cursor'].every((k) => Number.isSafeInteger(value[k]) && (value[k] as number) >= 0);
  return counts && isRngWords(value.rng);
}
