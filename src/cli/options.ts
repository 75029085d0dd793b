// The main job's options (`node bench/run.js`, `dicnet train`), with their defaults.

import type { DistillLoss } from '../model/steps';
import { finitePositive, oneOf, parseFlags, UsageError, wholeNumber } from './flags';

export interface RunOptions {
  /** A StreetHazards or CamVid copy; null = the embedded synthetic scenes. */
  data: string | null;
  /** Anomaly sets scored after training (`--anomalies NAME=DIR`), in command-line order. */
  anomalies: { name: string; dir: string }[];
  /** Network input height and width; null: the dataset's default (DATASET_DEFAULTS). */
  input: [number, number] | null;
  config: 'tiny' | 'paper';
  loss: DistillLoss;
  /** Null: the dataset's default (DATASET_DEFAULTS). */
  teacherEpochs: number | null;
  studentEpochs: number | null;
  batchSize: number;
  seed: number;
  out: string;
  temperature: number;
  onBadSample: 'skip' | 'fail';
  /** Synthetic images per split (train, validation, test). */
  scenes: [number, number, number];
  /** Test images drawn as PNG panels. */
  panels: number;
  /** Base learning rates of the teacher (SGD) and the student (Adam). */
  teacherLr: number;
  studentLr: number;
  /** Continue the interrupted run in `out` from its training-state checkpoint. */
  resume: boolean;
  /** Steps between training-state checkpoints; 0: one per epoch. */
  checkpointEvery: number;
  /** A NaN or infinite loss or gradient: stop, or roll back to the last checkpoint at half the learning rate. */
  onNan: 'stop' | 'lower-lr';
  /** Stop (with a checkpoint, as on Ctrl-C) after this many training steps; null: no limit. */
  stopAfter: number | null;
  /** The teacher's cross-entropy: square-root class-balanced weights from the training split, or none. */
  classWeights: 'sqrt' | 'none';
}

/** The options whose default depends on the dataset, once it is known. */
export interface DatasetDefaults {
  teacherEpochs: number;
  studentEpochs: number;
  input: [number, number];
}

/**
 * By dataset layout. CamVid: 4:3 input at the width of the synthetic default,
 * and epochs that give the teacher and the student about as many images as the
 * synthetic run (367 frames instead of 400).
 */
export const DATASET_DEFAULTS: Record<string, DatasetDefaults> = {
  StreetHazards: { teacherEpochs: 33, studentEpochs: 14, input: [96, 160] },
  CamVid: { teacherEpochs: 36, studentEpochs: 16, input: [120, 160] },
};

/** The options of a run whose dataset is known: nothing left to the dataset's default. */
export type ResolvedRunOptions = RunOptions & DatasetDefaults;

export function resolveOptions(o: RunOptions, layout: string): ResolvedRunOptions {
  const d = DATASET_DEFAULTS[layout] ?? DATASET_DEFAULTS.StreetHazards!;
  return { ...o, teacherEpochs: o.teacherEpochs ?? d.teacherEpochs, studentEpochs: o.studentEpochs ?? d.studentEpochs, input: o.input ?? d.input };
}

/** Batch norm in training needs at least two values per channel, also after pooling to 1x1. */
export const smallestBatch = 2;

export const defaults: RunOptions = {
  data: null,
  anomalies: [],
  input: null,
  config: 'tiny',
  loss: 'kl',
  teacherEpochs: null,
  studentEpochs: null,
  batchSize: 8,
  seed: 1,
  out: 'results',
  temperature: 1,
  onBadSample: 'fail',
  scenes: [400, 100, 100],
  panels: 4,
  teacherLr: 0.1,
  studentLr: 1e-3,
  resume: false,
  checkpointEvery: 0,
  onNan: 'stop',
  stopAfter: null,
  classWeights: 'sqrt',
};

/** What `node bench/run.js --help` (and `dicnet train --help`) prints. */
export function trainUsage(command = 'node bench/run.js'): string {
  return `usage: ${command} [options]
  trains the teacher and the student, evaluates them and writes the report
  --data DIR            a StreetHazards or CamVid copy (default: the embedded synthetic scenes)
  --anomalies NAME=DIR  also score this anomaly set (images/ + labels_masks/, or RoadAnomaly's
                        frames/); repeatable; the first one's pooled FPR95 thresholds are stored
                        with the student when the data has no validation anomalies
  --input HxW           network input size (default 96x160; CamVid 120x160)
  --config tiny|paper   model configuration (default tiny)
  --loss kl|mse         distillation loss (default kl)
  --class-weights sqrt|none
                        the teacher's cross-entropy weights classes by the square root of their
                        rarity in the training split (default sqrt), or not at all
  --epochs N            teacher and student epochs (default 33 and 14; CamVid 36 and 16)
  --teacher-epochs N, --student-epochs N
  --batch N             batch size (default ${defaults.batchSize})
  --temperature T       KL temperature (default ${defaults.temperature})
  --seed N              seed of everything (default ${defaults.seed})
  --out DIR             output folder (default ${defaults.out})
  --scenes A,B,C        synthetic train,validation,test image counts (default ${defaults.scenes.join(',')})
  --on-bad-sample skip|fail
  --panels N            test images drawn as PNG panels (default ${defaults.panels})
  --teacher-lr X, --student-lr X
                        base learning rates (default ${defaults.teacherLr} and ${defaults.studentLr})
  --checkpoint-every N  training steps between checkpoints (default: one per epoch)
  --resume              continue the interrupted run in --out (same options) from its last checkpoint
  --on-nan stop|lower-lr
                        a NaN/Inf loss or gradient stops the run (default), or rolls it back to
                        the last checkpoint at half the learning rate
  --stop-after N        stop after N training steps with a checkpoint, as Ctrl-C does
  --help                this text
Options are --name value or --name=value.`;
}

const VALUE_FLAGS = [
  '--data', '--anomalies', '--input', '--class-weights', '--config', '--loss', '--epochs', '--teacher-epochs', '--student-epochs', '--batch', '--temperature', '--seed', '--out',
  '--scenes', '--on-bad-sample', '--panels', '--teacher-lr', '--student-lr', '--checkpoint-every', '--on-nan', '--stop-after',
];

/** The main job's options; throws UsageError (exit 2) or HelpRequested. */
export function parseOptions(argv: readonly string[]): RunOptions {
  const o: RunOptions = { ...defaults, scenes: [...defaults.scenes], anomalies: [] };
  for (const [flag, value] of parseFlags(argv, { values: VALUE_FLAGS, switches: ['--resume'] }).flags) {
    if (value === null) {
      o.resume = true;
      continue;
    }
    switch (flag) {
      case '--data':
        o.data = value;
        break;
      case '--anomalies':
        o.anomalies.push(namedFolder(flag, value, o.anomalies));
        break;
      case '--input':
        o.input = inputSize(flag, value);
        break;
      case '--config':
        o.config = oneOf(flag, value, ['tiny', 'paper']);
        break;
      case '--loss':
        o.loss = oneOf(flag, value, ['kl', 'mse']);
        break;
      case '--class-weights':
        o.classWeights = oneOf(flag, value, ['sqrt', 'none']);
        break;
      case '--epochs':
        o.teacherEpochs = o.studentEpochs = wholeNumber(flag, value, 1);
        break;
      case '--teacher-epochs':
        o.teacherEpochs = wholeNumber(flag, value, 1);
        break;
      case '--student-epochs':
        o.studentEpochs = wholeNumber(flag, value, 1);
        break;
      case '--batch':
        o.batchSize = wholeNumber(flag, value, smallestBatch);
        break;
      case '--temperature':
        o.temperature = finitePositive(flag, value);
        break;
      case '--seed':
        o.seed = wholeNumber(flag, value);
        break;
      case '--out':
        o.out = value;
        break;
      case '--scenes': {
        const parts = value.split(',').map((v) => wholeNumber(flag, v, 1));
        if (parts.length !== 3) throw new UsageError(`--scenes takes three counts: train,validation,test`);
        o.scenes = parts as [number, number, number];
        break;
      }
      case '--on-bad-sample':
        o.onBadSample = oneOf(flag, value, ['skip', 'fail']);
        break;
      case '--panels':
        o.panels = wholeNumber(flag, value);
        break;
      case '--teacher-lr':
        o.teacherLr = finitePositive(flag, value);
        break;
      case '--student-lr':
        o.studentLr = finitePositive(flag, value);
        break;
      case '--checkpoint-every':
        o.checkpointEvery = wholeNumber(flag, value, 1);
        break;
      case '--on-nan':
        o.onNan = oneOf(flag, value, ['stop', 'lower-lr']);
        break;
      case '--stop-after':
        o.stopAfter = wholeNumber(flag, value, 1);
        break;
    }
  }
  return o;
}

/** `NAME=DIR`, or `DIR` (named after its last folder); names must differ. */
export function namedFolder(flag: string, value: string, taken: readonly { name: string }[]): { name: string; dir: string } {
  const equals = value.indexOf('=');
  const dir = equals < 0 ? value : value.slice(equals + 1);
  const name = equals < 0 ? (dir.replace(/[/\\]+$/, '').split(/[/\\]/).pop() ?? '') : value.slice(0, equals);
  if (dir === '' || !/^[\w.-]+$/.test(name)) throw new UsageError(`${flag} takes NAME=DIR with NAME of letters, digits, '.', '_' or '-', got "${value}"`);
  if (taken.some((t) => t.name === name)) throw new UsageError(`${flag}: the name ${name} is given twice`);
  return { name, dir };
}

/** `HxW`, both multiples of 8 (the networks' output stride). */
export function inputSize(flag: string, value: string): [number, number] {
  const match = /^(\d+)x(\d+)$/.exec(value.trim());
  const size = match ? [Number(match[1]), Number(match[2])] : [];
  if (size.length !== 2 || size.some((n) => n < 16 || n % 8 !== 0)) throw new UsageError(`${flag} takes HxW, both multiples of 8 and >= 16, got "${value}"`);
  return size as [number, number];
}
