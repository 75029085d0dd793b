// The main job's results report: the methods' anomaly metrics, the teacher's
// segmentation quality, distillation losses, timing, device, data and the
// training's reliability record (resumes, non-finite steps, skipped files).

import type { DatasetIndex, SkippedFile } from '../data/streethazards';
import type { AnomalyEvaluation, ConfusionMatrix, ResultsReport } from '../eval';
import type { PoolStats } from '../gpu';
import type { ModelConfig } from '../model/config';
import { scoreNames, type ScoreName } from '../model/scores';
import type { RunOptions } from './options';
import type { PhaseSummary } from './training';

export interface PhaseTiming {
  seconds: number;
  images: number;
}

const methodNames: Record<ScoreName, string> = {
  dicnetMse: 'DiCNet (feature distance)',
  dicnetKl: 'DiCNet (KL)',
  msp: 'MSP',
  maxLogit: 'Max logit',
  entropy: 'Softmax entropy',
};

export interface ReportInput {
  options: RunOptions;
  config: ModelConfig;
  adapter: string;
  pool: PoolStats;
  index: DatasetIndex;
  dataSeconds: number;
  wallSeconds: number;
  /** Null when a resumed run no longer knows (a checkpoint from an older version). */
  teacher: PhaseSummary | null;
  student: PhaseSummary;
  evaluation: { methods: Record<ScoreName, AnomalyEvaluation>; confusion: ConfusionMatrix; timing: PhaseTiming; skippedFiles: readonly SkippedFile[] };
  stateCheckpoint: string;
}

export function buildReport(r: ReportInput): ResultsReport {
  const { options: o, evaluation, student, teacher } = r;
  const phases = teacher ? [teacher, student] : [student];
  const window = Math.max(1, Math.min(Math.floor(r.index.splits.train!.length / o.batchSize), 10));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const perSecond = (images: number, seconds: number): string => (images / seconds).toFixed(2);
  const sum = (key: keyof PhaseSummary['nonFinite']): number => phases.reduce((n, p) => n + p.nonFinite[key], 0);
  const resumes = [teacher && ['teacher', teacher.resumedFrom], ['student', student.resumedFrom]].filter((x): x is [string, number] => !!x && x[1] !== null);
  const summary = evaluation.methods.dicnetMse.summary();
  return {
    title: `DiCNet on ${o.data ? 'StreetHazards' : 'the embedded synthetic street scenes'} (${r.config.name}, ${o.loss} distillation)`,
    methods: scoreNames.map((k) => ({ method: methodNames[k], metrics: evaluation.methods[k].summary() })),
    sections: {
      teacher: {
        'mIoU (known classes, %)': round(100 * (evaluation.confusion.meanIou() ?? 0)),
        'pixel accuracy (%)': round(100 * (evaluation.confusion.pixelAccuracy() ?? 0)),
      },
      distillation: {
        loss: o.loss,
        'first epoch mean loss': round(mean(student.losses.first.slice(0, window)), 5),
        'last epoch mean loss': round(mean(student.losses.last.slice(-window)), 5),
      },
      timing: {
        'data (s)': round(r.dataSeconds),
        'teacher training (s)': teacher ? round(teacher.seconds) : 'n/a',
        'teacher training (images/s)': teacher ? perSecond(teacher.steps * o.batchSize, teacher.seconds) : 'n/a',
        'distillation (s)': round(student.seconds),
        'distillation (images/s)': perSecond(student.steps * o.batchSize, student.seconds),
        'evaluation (s)': round(evaluation.timing.seconds),
        'evaluation (images/s)': perSecond(evaluation.timing.images, evaluation.timing.seconds),
        'wall, this run (s)': round(r.wallSeconds),
      },
      training: {
        'training state': r.stateCheckpoint,
        'resumed at': resumes.length ? resumes.map(([phase, step]) => `${phase} step ${step}`).join(', ') : 'no',
        'non-finite steps skipped': sum('skipped'),
        'learning-rate halvings': sum('lrHalvings'),
        'steps redone after a rollback': sum('stepsRedone'),
      },
      device: {
        adapter: r.adapter,
        'peak GPU memory in use (MiB)': round(r.pool.peakBytesInUse / 2 ** 20),
        'GPU memory allocated (MiB)': round(r.pool.bytesAllocated / 2 ** 20),
      },
      data: {
        root: r.index.root,
        'test images scored': summary.imagesScored,
        'test images without anomaly (skipped)': summary.imagesWithoutAnomaly,
        'files skipped as bad': skippedFiles(r).length,
      },
    },
  };
}

/** Every file left out as bad (--on-bad-sample skip), once, with the first reason given. */
export function skippedFiles(r: Pick<ReportInput, 'index' | 'teacher' | 'student' | 'evaluation'>): SkippedFile[] {
  const all = [...r.index.skipped, ...(r.teacher?.skippedFiles ?? []), ...r.student.skippedFiles, ...r.evaluation.skippedFiles];
  const byFile = new Map<string, SkippedFile>();
  for (const s of all) if (!byFile.has(s.file)) byFile.set(s.file, s);
  return [...byFile.values()];
}

function round(x: number, digits = 2): number {
  return Number(x.toFixed(digits));
}
