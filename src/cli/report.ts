// The main job's results report: per evaluated split, every method's anomaly
// metrics and the paired comparisons (every method against MSP, and the
// run's DiCNet score against every other method), then the teacher's
// segmentation quality class by class, distillation losses, timing, device,
// data and the training's reliability record.

import type { DatasetIndex, SkippedFile, SplitName } from '../data/dataset';
import { comparePaired, snakeKey as snake, type ClassBreakdown, type ComparisonResult, type ReportSection, type ResultsReport, type ResultTable, type SectionEntry } from '../eval';
import type { PoolStats } from '../gpu';
import type { ModelConfig } from '../model/config';
import { DOMAIN_LIMIT, type DomainReference } from '../eval/domain';
import { unusualShare } from './domain-check';
import { headlineMethod, METHODS, type SplitEvaluation } from './evaluation';
import { outlierExposure, type RunOptions } from './options';
import type { PhaseSummary } from './training';

/** What the report says of a run beyond its measurements. */
/** `teacher`, `studentJitter`, `studentOutliers`, `outlierWeight`, `studentStart` and `studentLr` only where the run trained a student. */
export type ReportSettings = Pick<RunOptions, 'data' | 'loss' | 'seed' | 'batchSize'> &
  Partial<Pick<RunOptions, 'teacher' | 'studentJitter' | 'studentOutliers' | 'outlierWeight' | 'studentStart' | 'studentLr'>>;

export interface ReportInput {
  options: ReportSettings;
  config: ModelConfig;
  adapter: string;
  pool: PoolStats;
  index: DatasetIndex;
  dataSeconds: number;
  wallSeconds: number;
  /** Null when a resumed run no longer knows (a checkpoint from an older version), or with no training (dicnet eval). */
  teacher: PhaseSummary | null;
  /** Null with no training (dicnet eval): the distillation and training sections are left out. */
  student: PhaseSummary | null;
  evaluations: readonly SplitEvaluation[];
  /** Pooled FPR95 thresholds stored with the student, and the split they come from. */
  thresholds: { split: string; values: Record<string, number | null> } | null;
  /** The domain check's reference, stored with the student; null without a validation split. */
  domain?: DomainReference | null;
  stateCheckpoint: string;
  /** Which algorithm the 3x3 convs ran (chooseRunConvs); absent with no training (dicnet eval). */
  convAlgorithms?: string;
  /** The teacher's cross-entropy class weights, null without; absent where the run is not known (dicnet eval). */
  classWeights?: Float32Array | null;
}

/** The embedded scenes' splits, which hold anomalies of kinds the titles say. */
const SYNTHETIC_SPLIT_TITLES: Record<SplitName, string> = {
  test: 'test split (headline anomalies: shapes of no known class in the known classes\' colours)',
  'test-easy': 'test-easy split (the same scenes with saturated anomalies of colours no known class has)',
  validation: 'validation split (tuning only: anomaly kinds the test splits never show)',
  train: 'train split',
};

function splitTitle(e: SplitEvaluation, o: ReportSettings): string {
  if (e.source === 'anomaly set') return `anomaly set ${e.split}`;
  return o.data === null ? SYNTHETIC_SPLIT_TITLES[e.split as SplitName] : `${e.split} split`;
}

/** The methods the split was scored with (colour rarity needs a train split). */
const evaluated = (e: SplitEvaluation) => METHODS.filter((m) => e.methods[m.key] !== undefined);

function comparisons(e: SplitEvaluation, o: ReportSettings): ComparisonResult[] {
  const msp = METHODS.find((m) => m.key === 'msp')!;
  const headline = headlineMethod(o);
  const pair = (a: (typeof METHODS)[number], b: (typeof METHODS)[number]): ComparisonResult => ({
    key: a.key,
    method: a.name,
    againstKey: b.key,
    against: b.name,
    differences: comparePaired(e.methods[a.key]!.images, e.methods[b.key]!.images),
  });
  return [
    ...evaluated(e).filter((m) => m !== msp).map((m) => pair(m, msp)),
    ...evaluated(e).filter((m) => m !== headline && m !== msp).map((m) => pair(headline, m)),
  ];
}

/** The dataset's own validation split scales the other splits' levels (its normal pixels are the kind the student learned). */
function breakdown(e: SplitEvaluation, o: ReportSettings, classes: readonly string[], evaluations: readonly SplitEvaluation[]): ClassBreakdown {
  const reference = evaluations.find((r) => r.source === 'dataset' && r.split === 'validation' && r !== e);
  const headline = headlineMethod(o);
  return { methodKey: headline.key, method: headline.name, classes, levels: e.byClass, reference: reference ? { split: reference.split, normal: reference.byClass.normal } : null };
}

function table(e: SplitEvaluation, o: ReportSettings, classes: readonly string[], evaluations: readonly SplitEvaluation[]): ResultTable {
  return {
    key: snake(e.split),
    title: `${splitTitle(e, o)}, ${e.images} images`,
    methods: evaluated(e).map((m) => ({ key: m.key, method: m.name, kind: m.kind, metrics: e.methods[m.key]!.summary(), pooled: e.pooled[m.key] ?? null })),
    comparisons: comparisons(e, o),
    headline: headlineMethod(o).key,
    breakdown: breakdown(e, o, classes, evaluations),
  };
}

type Entry = [label: string, value: SectionEntry['value'], percent?: 'percent'];

function section(title: string, entries: Record<string, Entry>): ReportSection {
  return { title, entries: Object.fromEntries(Object.entries(entries).map(([k, [label, value, percent]]) => [k, { label, value, ...(percent ? { percent: true } : {}) }])) };
}

export function buildReport(r: ReportInput): ResultsReport {
  const { options: o, student, teacher } = r;
  const test = r.evaluations.find((e) => e.split === 'test' && e.source === 'dataset') ?? r.evaluations[0]!;
  const names = r.index.classes.names;
  const phases = [teacher, student].filter((p) => p !== null);
  const window = Math.max(1, Math.min(Math.floor((r.index.splits.train?.length ?? 0) / o.batchSize), 10));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const sum = (key: keyof PhaseSummary['nonFinite']): number => phases.reduce((n, p) => n + p.nonFinite[key], 0);
  const exposure = o.studentOutliers === undefined || o.outlierWeight === undefined ? null : outlierExposure({ studentOutliers: o.studentOutliers, outlierWeight: o.outlierWeight });
  const resumes = [teacher && ['teacher', teacher.resumedFrom], student && ['student', student.resumedFrom]].filter((x): x is [string, number] => !!x && x[1] !== null);
  const classIou = test.confusion.classIou();
  const iouEntries: Record<string, Entry> = {};
  names.forEach((name, c) => {
    iouEntries[`iou_${snake(name)}`] = [`IoU ${name}`, classIou[c] ?? null, 'percent'];
  });
  const evaluationSeconds = r.evaluations.reduce((s, e) => s + e.seconds, 0);
  const evaluationImages = r.evaluations.reduce((s, e) => s + e.images, 0);
  return {
    title: `DiCNet on ${o.data ? r.index.layout : 'the embedded synthetic street scenes'} (${r.config.name}, ${r.config.inputHeight}x${r.config.inputWidth}, ${o.loss} distillation, seed ${o.seed})`,
    tables: r.evaluations.filter((e) => (e.methods[METHODS[0]!.key]?.summary().imagesScored ?? 0) > 0).map((e) => table(e, o, names, r.evaluations)),
    sections: {
      teacher: section(`teacher segmentation (${test.split} split, known classes)`, {
        miou: ['mIoU', test.confusion.meanIou(), 'percent'],
        pixel_accuracy: ['pixel accuracy', test.confusion.pixelAccuracy(), 'percent'],
        ...(o.teacher ? { teacher_from: ['trained by an earlier run (--teacher)', o.teacher] as Entry } : {}),
        ...(r.classWeights === undefined
          ? {}
          : {
              class_weights: [
                'cross-entropy class weights',
                r.classWeights ? Array.from(r.classWeights, (w, c) => `${names[c]} ${w.toFixed(2)}`).join(', ') : 'none',
              ] as Entry,
            }),
        ...iouEntries,
      }),
      ...(student && {
        distillation: section('distillation', {
          loss: ['loss', o.loss],
          ...(o.studentStart ? { start: ['student', o.studentStart === 'teacher' ? "the teacher's layers, started from the trained teacher" : "the configuration's own, from random weights"] as Entry } : {}),
          ...(o.studentLr ? { learning_rate: ['base learning rate', o.studentLr] as Entry } : {}),
          ...(!o.studentJitter || o.studentJitter === 'none' ? {} : { jitter: ['photometric jitter', o.studentJitter] as Entry }),
          ...(exposure && { outliers: ['outlier exposure (painted objects)', `${exposure.target}, weighing ${exposure.weight}`] as Entry }),
          first_epoch_mean_loss: ['first epoch mean loss', round(mean(student.losses.first.slice(0, window)), 5)],
          last_epoch_mean_loss: ['last epoch mean loss', round(mean(student.losses.last.slice(-window)), 5)],
        }),
      }),
      ...(r.thresholds && {
        thresholds: section(`pooled FPR95 thresholds (${r.thresholds.split} split), stored with the student`, Object.fromEntries(Object.entries(r.thresholds.values).map(([k, v]) => [k, [k, v]]))),
      }),
      ...(r.domain && {
        domain_check: section(
          `domain check: images whose mean DiCNet (KL) score is above the ${DOMAIN_LIMIT} of the ${r.domain.split} images (${r.domain.images}), stored with the student`,
          Object.fromEntries(r.evaluations.map((e) => [`${snake(e.split)}_unusual`, [`${e.split}: images called unusual`, unusualShare(r.domain!, e), 'percent'] as Entry])),
        ),
      }),
      timing: section('timing', {
        data_seconds: ['data (s)', round(r.dataSeconds)],
        teacher_seconds: ['teacher training (s)', teacher ? round(teacher.seconds) : null],
        teacher_images_per_second: ['teacher training (images/s)', teacher ? round((teacher.steps * o.batchSize) / teacher.seconds) : null],
        student_seconds: ['distillation (s)', student ? round(student.seconds) : null],
        student_images_per_second: ['distillation (images/s)', student ? round((student.steps * o.batchSize) / student.seconds) : null],
        evaluation_seconds: ['evaluation, all splits and controls (s)', round(evaluationSeconds)],
        evaluation_images_per_second: ['evaluation (images/s, four networks and colour rarity per image)', round(evaluationImages / evaluationSeconds)],
        wall_seconds: ['wall, this run (s)', round(r.wallSeconds)],
      }),
      ...(student && {
        training: section('training', {
          training_state: ['training state', r.stateCheckpoint],
          conv_algorithms: ['3x3 conv algorithms (forward and grad input of each shape)', r.convAlgorithms ?? null],
          resumed_at: ['resumed at', resumes.length ? resumes.map(([phase, step]) => `${phase} step ${step}`).join(', ') : null],
          non_finite_steps_skipped: ['non-finite steps skipped', sum('skipped')],
          learning_rate_halvings: ['learning-rate halvings', sum('lrHalvings')],
          steps_redone: ['steps redone after a rollback', sum('stepsRedone')],
        }),
      }),
      device: section('device', {
        adapter: ['adapter', r.adapter],
        peak_gpu_memory_mib: ['peak GPU memory in use (MiB)', round(r.pool.peakBytesInUse / 2 ** 20)],
        gpu_memory_allocated_mib: ['GPU memory allocated (MiB)', round(r.pool.bytesAllocated / 2 ** 20)],
      }),
      data: section('data', {
        root: ['root', r.index.root],
        layout: ['layout', r.index.layout],
        train_images: ['train images', r.index.splits.train?.length ?? 0],
        // Every image evaluated (mIoU, domain check), not only those with anomaly pixels: CamVid's test split has none.
        ...Object.fromEntries(r.evaluations.map((e) => [`${snake(e.split)}_images`, [`${e.split} images evaluated`, e.images]])),
        ...Object.fromEntries(r.evaluations.map((e) => [`${snake(e.split)}_input`, [`${e.split} scored at`, e.inputSizes.join(', ')]])),
        files_skipped: ['files skipped as bad', skippedFiles(r).length],
      }),
    },
  };
}

/** Every file left out as bad (--on-bad-sample skip), once, with the first reason given. */
export function skippedFiles(r: Pick<ReportInput, 'index' | 'teacher' | 'student' | 'evaluations'>): SkippedFile[] {
  const all = [...r.index.skipped, ...(r.teacher?.skippedFiles ?? []), ...(r.student?.skippedFiles ?? []), ...r.evaluations.flatMap((e) => e.skippedFiles)];
  const byFile = new Map<string, SkippedFile>();
  for (const s of all) if (!byFile.has(s.file)) byFile.set(s.file, s);
  return [...byFile.values()];
}

function round(x: number, digits = 2): number {
  return Number(x.toFixed(digits));
}
