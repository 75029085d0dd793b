// The main job's options (`node bench/run.js`, `dicnet train`), with their defaults.

import { resolve } from 'node:path';
import { INPUT_STEP } from '../base/batch';
import { STUDENT_STARTS, type StudentStart } from '../model/config';
import { OUTLIER_WEIGHT, STUDENT_OUTLIERS, type DistillLoss, type OutlierExposure, type StudentOutliers } from '../model/steps';
import { finitePositive, oneOf, UsageError, wholeNumber } from './flags';
import { optionLines, parseWithTable, type OptionRow } from './option-table';

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
  /** Base learning rates of the teacher (SGD) and the student (Adam); the student's null: STUDENT_LR of its start. */
  teacherLr: number;
  studentLr: number | null;
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
  /** A trained teacher's checkpoint to distil from instead of training one; null: train it. */
  teacher: string | null;
  /** Photometric jitter of the distillation batches (COLOUR_JITTER), seen alike by teacher and student, or none. Null: the dataset's default. */
  studentJitter: StudentJitter | null;
  /**
   * Outlier exposure of the student (OUTLIER_SHAPES painted into half the
   * distillation images): where an object covers the feature, the student is
   * taught a flat feature ('uniform') or the teacher's negated ('opposite')
   * instead of the teacher's; or none. Null: the dataset's default.
   */
  studentOutliers: StudentOutliers | null;
  /** How much an outlier cell's distance weighs in the distillation loss against a normal one's. */
  outlierWeight: number;
  /** What the student is and starts from (ModelConfig.studentStart). Null: the dataset's default. */
  studentStart: StudentStart | null;
  /**
   * How the networks' 3x3 stride-1 convs pick direct or Winograd: 'auto' times
   * both before training, 'direct' never uses Winograd, any other value is a
   * file the timed choices are read from and saved to (kept between runs).
   */
  convChoices: 'auto' | 'direct' | string;
}

/** The options whose default depends on the dataset, once it is known. */
export interface DatasetDefaults {
  teacherEpochs: number;
  studentEpochs: number;
  inputSize: [number, number];
  studentOutliers: StudentOutliers;
  studentStart: StudentStart;
  studentJitter: StudentJitter;
}

export const STUDENT_JITTERS = ['none', 'colour'] as const;
export type StudentJitter = (typeof STUDENT_JITTERS)[number];

/** The student's base learning rate by its start: a copy of the trained teacher is tuned, not trained from scratch. */
export const STUDENT_LR: Record<StudentStart, number> = { random: 1e-3, teacher: 3e-4 };

/**
 * By dataset layout. CamVid: 4:3 input at the width of the synthetic default,
 * and epochs that give the teacher and the student about as many images as the
 * synthetic run (367 frames instead of 400); outlier exposure, which found
 * CamVid's pasted validation objects far better than the plain student in
 * every seed, and was the best of the variants tried on both real validation
 * sets together (docs/experiments.md); and a student that starts as the
 * trained teacher, which with that exposure found both real validation sets'
 * objects better than the student from random weights in every seed tried;
 * and the colour jitter beside it, with which that student follows the
 * teacher on other streets' looks (its domain check stops calling CamVid's own
 * test frames unusual) and finds RoadAnomaly's objects about as well.
 * The embedded synthetic scenes (which take
 * StreetHazards' defaults) distil without it: the painter draws their
 * validation hazards, which would leak that split into training.
 */
export const DATASET_DEFAULTS: Record<string, DatasetDefaults> = {
  StreetHazards: { teacherEpochs: 33, studentEpochs: 14, inputSize: [96, 160], studentOutliers: 'none', studentStart: 'random', studentJitter: 'none' },
  CamVid: { teacherEpochs: 36, studentEpochs: 16, inputSize: [120, 160], studentOutliers: 'opposite', studentStart: 'teacher', studentJitter: 'colour' },
};

/** "(default A; CamVid B)": StreetHazards' default, which the synthetic scenes take, then each dataset's that differs. */
function perDataset(show: (d: DatasetDefaults) => string): string {
  const first = show(DATASET_DEFAULTS.StreetHazards!);
  const others = Object.entries(DATASET_DEFAULTS).flatMap(([layout, d]) => (show(d) === first ? [] : [`${layout} ${show(d)}`]));
  return `(default ${[first, ...others].join('; ')})`;
}

/**
 * The options of a run whose dataset is known: nothing left to the dataset's
 * default. `input` stays as given (the resume check keeps what was asked for;
 * checkpoints from before --input have none); `inputSize` is what is used.
 */
export type ResolvedRunOptions = RunOptions & DatasetDefaults & { studentLr: number };

export function resolveOptions(o: RunOptions, layout: string): ResolvedRunOptions {
  const d = DATASET_DEFAULTS[layout] ?? DATASET_DEFAULTS.StreetHazards!;
  const studentStart = o.studentStart ?? d.studentStart;
  return {
    ...o,
    teacherEpochs: o.teacherEpochs ?? d.teacherEpochs,
    studentEpochs: o.studentEpochs ?? d.studentEpochs,
    inputSize: o.input ?? d.inputSize,
    studentOutliers: o.studentOutliers ?? d.studentOutliers,
    studentStart,
    studentJitter: o.studentJitter ?? d.studentJitter,
    studentLr: o.studentLr ?? STUDENT_LR[studentStart],
  };
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
  studentLr: null,
  resume: false,
  checkpointEvery: 0,
  onNan: 'stop',
  stopAfter: null,
  classWeights: 'sqrt',
  teacher: null,
  studentJitter: null,
  studentOutliers: null,
  outlierWeight: OUTLIER_WEIGHT,
  studentStart: null,
  convChoices: 'auto',
};

type ChoiceKey = { [K in keyof RunOptions]-?: RunOptions[K] extends string ? K : never }[keyof RunOptions];

const choice =
  <K extends ChoiceKey>(key: K, choices: readonly RunOptions[K][]) =>
  (value: string, flag: string): Partial<RunOptions> =>
    ({ [key]: oneOf(flag, value, choices as readonly string[]) }) as Partial<RunOptions>;

/** The student's outlier exposure, once the dataset's default is filled in; null: distilled without. */
export function outlierExposure(o: Pick<RunOptions, 'studentOutliers' | 'outlierWeight'>): OutlierExposure | null {
  return o.studentOutliers === null || o.studentOutliers === 'none' ? null : { target: o.studentOutliers, weight: o.outlierWeight };
}

/** The main job's options; `resume` marks what a resumed run must repeat (its checkpoint keeps them). */
export const trainOptions: readonly OptionRow<RunOptions>[] = [
  { flag: '--data', value: 'DIR', help: 'a StreetHazards or CamVid copy (default: the embedded synthetic scenes)', read: (v) => ({ data: v }), resume: (o) => (o.data === null ? null : resolve(o.data)) },
  {
    flag: '--anomalies',
    value: '[NAME=]DIR',
    help: "also score this anomaly set: images/ + labels_masks/, or RoadAnomaly's frames/;\nthe first one's pooled FPR95 thresholds are stored with the student where\nthe data has no validation anomalies",
    repeatable: true,
    read: (v, f, o) => ({ anomalies: [...o.anomalies, namedFolder(f, v, o.anomalies)] }),
  },
  {
    flag: '--input',
    value: 'HxW',
    help: `network input size ${perDataset((d) => d.inputSize.join('x'))}`,
    read: (v, f) => ({ input: inputSize(f, v) }),
    resume: (o) => (o.input === null ? null : `${o.input[0]}x${o.input[1]}`),
  },
  { flag: '--config', value: 'tiny|paper', help: 'model configuration', default: defaults.config, read: choice('config', ['tiny', 'paper']), resume: (o) => o.config },
  { flag: '--loss', value: 'kl|mse', help: 'distillation loss', default: defaults.loss, read: choice('loss', ['kl', 'mse']), resume: (o) => o.loss },
  {
    flag: '--class-weights',
    value: 'sqrt|none',
    help: "the teacher's cross-entropy weights classes by the square root of their\nrarity in the training split (sqrt), or not at all (none)",
    default: defaults.classWeights,
    read: choice('classWeights', ['sqrt', 'none']),
    resume: (o) => o.classWeights,
  },
  {
    flag: '--teacher',
    value: 'FILE',
    help: "distil from this trained teacher (a run's checkpoints/teacher.safetensors) instead of\ntraining one; its configuration, classes and input size must be this run's",
    read: (v) => ({ teacher: v }),
    resume: (o) => (o.teacher === null ? null : resolve(o.teacher)),
  },
  {
    flag: '--student-jitter',
    value: 'none|colour',
    help: `photometric jitter of the distillation images (exposure, contrast, saturation,\nwhite balance, tone), the same image for teacher and student\n${perDataset((d) => d.studentJitter)}`,
    read: (v, f) => ({ studentJitter: oneOf(f, v, STUDENT_JITTERS) }),
    // Runs from before this option saved none: 'none' is what they did.
    resume: (o) => (o.studentJitter === 'none' ? null : o.studentJitter),
  },
  {
    flag: '--student-outliers',
    value: 'none|uniform|opposite',
    help: `outlier exposure: procedural objects painted into half the distillation images,\nwhere the student learns a flat feature (uniform) or the teacher's negated\n(opposite) instead of the teacher's ${perDataset((d) => d.studentOutliers)}`,
    read: (v, f) => ({ studentOutliers: oneOf(f, v, STUDENT_OUTLIERS) }),
    // Runs from before this option saved none: 'none' is what they did.
    resume: (o) => outlierExposure(o)?.target ?? null,
  },
  {
    flag: '--outlier-weight',
    value: 'X',
    help: "with --student-outliers: how much a painted object's feature cell weighs in\nthe distillation loss against a normal one's",
    default: defaults.outlierWeight,
    read: (v, f) => ({ outlierWeight: finitePositive(f, v) }),
    resume: (o) => outlierExposure(o)?.weight ?? null,
  },
  {
    flag: '--student-start',
    value: STUDENT_STARTS.join('|'),
    help: `random: the configuration's smaller student from random weights; teacher: a\nstudent with the teacher's layers that starts as the trained teacher\n${perDataset((d) => d.studentStart)}`,
    read: (v, f) => ({ studentStart: oneOf(f, v, STUDENT_STARTS) }),
    // Runs from before this option saved none: 'random' is what they did.
    resume: (o) => (o.studentStart === 'random' ? null : o.studentStart),
  },
  { flag: '--epochs', value: 'N', help: `teacher and student epochs ${perDataset((d) => `${d.teacherEpochs} and ${d.studentEpochs}`)}`, read: (v, f) => ({ teacherEpochs: wholeNumber(f, v, 1), studentEpochs: wholeNumber(f, v, 1) }) },
  { flag: '--teacher-epochs', value: 'N', help: `teacher epochs ${perDataset((d) => `${d.teacherEpochs}`)}`, read: (v, f) => ({ teacherEpochs: wholeNumber(f, v, 1) }), resume: (o) => o.teacherEpochs },
  { flag: '--student-epochs', value: 'N', help: `student epochs ${perDataset((d) => `${d.studentEpochs}`)}`, read: (v, f) => ({ studentEpochs: wholeNumber(f, v, 1) }), resume: (o) => o.studentEpochs },
  { flag: '--batch', value: 'N', help: 'batch size', default: defaults.batchSize, read: (v, f) => ({ batchSize: wholeNumber(f, v, smallestBatch) }), resume: (o) => o.batchSize },
  { flag: '--temperature', value: 'T', help: 'KL temperature', default: defaults.temperature, read: (v, f) => ({ temperature: finitePositive(f, v) }), resume: (o) => o.temperature },
  { flag: '--seed', value: 'N', help: 'seed of everything', default: defaults.seed, read: (v, f) => ({ seed: wholeNumber(f, v) }), resume: (o) => o.seed },
  { flag: '--out', value: 'DIR', help: 'output folder', default: defaults.out, read: (v) => ({ out: v }) },
  {
    flag: '--scenes',
    value: 'A,B,C',
    help: 'synthetic train,validation,test image counts',
    default: defaults.scenes.join(','),
    read: (v, f) => {
      const parts = v.split(',').map((part) => wholeNumber(f, part, 1));
      if (parts.length !== 3) throw new UsageError(`${f} takes three counts: train,validation,test`);
      return { scenes: parts as RunOptions['scenes'] };
    },
    resume: (o) => (o.data === null ? o.scenes.join(',') : null),
  },
  { flag: '--on-bad-sample', value: 'skip|fail', help: 'an unreadable sample is passed over, or stops the run', default: defaults.onBadSample, read: choice('onBadSample', ['skip', 'fail']) },
  { flag: '--panels', value: 'N', help: 'test images drawn as PNG panels', default: defaults.panels, read: (v, f) => ({ panels: wholeNumber(f, v) }) },
  { flag: '--teacher-lr', value: 'X', help: "the teacher's base learning rate", default: defaults.teacherLr, read: (v, f) => ({ teacherLr: finitePositive(f, v) }), resume: (o) => o.teacherLr },
  {
    flag: '--student-lr',
    value: 'X',
    help: `the student's base learning rate (default ${STUDENT_LR.random}; ${STUDENT_LR.teacher} with --student-start teacher)`,
    read: (v, f) => ({ studentLr: finitePositive(f, v) }),
    resume: (o) => o.studentLr,
  },
  { flag: '--checkpoint-every', value: 'N', help: 'training steps between checkpoints (default: one per epoch)', read: (v, f) => ({ checkpointEvery: wholeNumber(f, v, 1) }) },
  { flag: '--resume', help: 'continue the interrupted run in --out (same options) from its last checkpoint', read: () => ({ resume: true }) },
  {
    flag: '--on-nan',
    value: 'stop|lower-lr',
    help: 'a NaN/Inf loss or gradient stops the run (stop), or rolls it back to\nthe last checkpoint at half the learning rate (lower-lr)',
    default: defaults.onNan,
    read: choice('onNan', ['stop', 'lower-lr']),
  },
  { flag: '--stop-after', value: 'N', help: 'stop after N training steps with a checkpoint, as Ctrl-C does', read: (v, f) => ({ stopAfter: wholeNumber(f, v, 1) }) },
  {
    flag: '--conv-choices',
    value: 'auto|direct|FILE',
    help: "auto: time direct against Winograd on the networks' 3x3 convs before training\nand keep the faster per shape (seconds); direct: no Winograd (the bits of runs\nbefore it); FILE: as auto, the choices read from and saved to FILE. A resumed\nrun takes the choices saved in its folder",
    default: defaults.convChoices,
    read: (v) => ({ convChoices: v }),
  },
];

/** What `node bench/run.js --help` (and `dicnet train --help`) prints. */
export function trainUsage(command = 'node bench/run.js'): string {
  return `usage: ${command} [options]
  trains the teacher and the student, evaluates them and writes the report
${optionLines(trainOptions)}
Options are --name value or --name=value.`;
}

/** The main job's options; throws UsageError (exit 2) or HelpRequested. */
export function parseOptions(argv: readonly string[]): RunOptions {
  return parseWithTable(argv, trainOptions, defaults).options;
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

/** `HxW`, both multiples of INPUT_STEP (the networks' output stride) and at least two of it. */
export function inputSize(flag: string, value: string): [number, number] {
  const match = /^(\d+)x(\d+)$/.exec(value.trim());
  const size = match ? [Number(match[1]), Number(match[2])] : [];
  if (size.length !== 2 || size.some((n) => n < 2 * INPUT_STEP || n % INPUT_STEP !== 0)) throw new UsageError(`${flag} takes HxW, both multiples of ${INPUT_STEP} and >= ${2 * INPUT_STEP}, got "${value}"`);
  return size as [number, number];
}
