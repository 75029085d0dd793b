// The whole DiCNet run: data, teacher training, distillation, evaluation of
// DiCNet and the baselines, report, checkpoints and pictures.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchesInOrder, BatchStream, type Batch } from '../data/batches';
import { createProgress, formatSeconds } from '../data/progress';
import { indexStreetHazards, type DatasetIndex } from '../data/streethazards';
import { ensureSyntheticDataset } from '../data/synthetic';
import { AnomalyEvaluation, ConfusionMatrix, renderMarkdown, renderText, reportJson, type ResultsReport } from '../eval';
import type { GpuRuntime } from '../gpu';
import { Random } from '../graph/random';
import { Adam, SGD, polyLearningRate } from '../graph/optim';
import { configs, type ModelConfig } from '../model/config';
import { saveCheckpoint } from '../model/checkpoint/io';
import { Student, Teacher } from '../model/networks';
import { scoreBatch, scoreNames, type ScoreName } from '../model/scores';
import { readState } from '../model/state';
import { distillStep, teacherStep } from '../model/steps';
import type { RunOptions } from './options';
import { writePanels } from './panels';

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

function log(message: string): void {
  console.log(message);
}

function loadData(o: RunOptions): DatasetIndex {
  const root = o.data ?? ensureSyntheticDataset({ seed: o.seed, counts: { train: o.scenes[0], validation: o.scenes[1], test: o.scenes[2] } });
  return indexStreetHazards(root, { splits: ['train', 'test'], onBadSample: o.onBadSample });
}

async function trainTeacher(rt: GpuRuntime, teacher: Teacher, index: DatasetIndex, o: RunOptions, c: ModelConfig): Promise<PhaseTiming> {
  const samples = index.splits.train!;
  const stream = new BatchStream(samples, { batchSize: o.batchSize, height: c.inputHeight, width: c.inputWidth, seed: o.seed, onBadSample: o.onBadSample });
  const stepsPerEpoch = Math.floor(samples.length / o.batchSize);
  const total = stepsPerEpoch * o.teacherEpochs;
  const opt = new SGD(teacher.namedParameters().map(([name, param]) => ({ name, param })), 0.02, 0.9, 1e-4);
  teacher.train();
  const progress = createProgress('teacher (cross-entropy)', total);
  const start = performance.now();
  for (let step = 0; step < total; step++) {
    opt.lr = polyLearningRate(0.02, step, total);
    const loss = await teacherStep(teacher, opt, toModelBatch(stream.next()), step);
    progress.tick(1, `loss ${loss.toFixed(4)}`);
  }
  await rt.sync();
  progress.done();
  return { seconds: (performance.now() - start) / 1000, images: total * o.batchSize };
}

async function distill(rt: GpuRuntime, teacher: Teacher, student: Student, index: DatasetIndex, o: RunOptions, c: ModelConfig): Promise<PhaseTiming & { firstLoss: number; lastLoss: number }> {
  const samples = index.splits.train!;
  const stream = new BatchStream(samples, { batchSize: o.batchSize, height: c.inputHeight, width: c.inputWidth, seed: o.seed + 1, onBadSample: o.onBadSample });
  const stepsPerEpoch = Math.floor(samples.length / o.batchSize);
  const total = stepsPerEpoch * o.studentEpochs;
  const baseLr = 1e-3;
  const opt = new Adam(student.namedParameters().map(([name, param]) => ({ name, param })), baseLr, { weightDecay: 1e-5 });
  teacher.eval();
  student.train();
  const progress = createProgress(`student (${o.loss === 'kl' ? 'KL' : 'MSE'} distillation)`, total);
  const start = performance.now();
  const losses: number[] = [];
  for (let step = 0; step < total; step++) {
    opt.lr = polyLearningRate(baseLr, step, total);
    const loss = await distillStep(teacher, student, opt, toModelBatch(stream.next()), step, o.loss, o.temperature);
    losses.push(loss);
    progress.tick(1, `loss ${loss.toFixed(4)}`);
  }
  await rt.sync();
  progress.done();
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const window = Math.max(1, Math.min(stepsPerEpoch, 10));
  return {
    seconds: (performance.now() - start) / 1000,
    images: total * o.batchSize,
    firstLoss: avg(losses.slice(0, window)),
    lastLoss: avg(losses.slice(-window)),
  };
}

function toModelBatch(b: Batch): { images: Float32Array; labels: Int32Array; size: number; height: number; width: number } {
  return { images: b.images, labels: b.labels, size: b.size, height: b.height, width: b.width };
}

interface Evaluation {
  methods: Record<ScoreName, AnomalyEvaluation>;
  confusion: ConfusionMatrix;
  timing: PhaseTiming;
  skippedFiles: number;
}

async function evaluate(teacher: Teacher, student: Student, index: DatasetIndex, o: RunOptions, c: ModelConfig): Promise<Evaluation> {
  const samples = index.splits.test!;
  teacher.eval();
  student.eval();
  const methods = Object.fromEntries(scoreNames.map((k) => [k, new AnomalyEvaluation()])) as Record<ScoreName, AnomalyEvaluation>;
  const confusion = new ConfusionMatrix();
  const { batches, skipped } = batchesInOrder(samples, { batchSize: o.batchSize, height: c.inputHeight, width: c.inputWidth, onBadSample: o.onBadSample });
  const progress = createProgress('evaluation (test split)', samples.length);
  const start = performance.now();
  let images = 0;
  let panelsLeft = o.panels;
  for (const batch of batches) {
    const { scores, prediction } = await scoreBatch(teacher, student, toModelBatch(batch), o.temperature);
    const plane = batch.height * batch.width;
    for (let i = 0; i < batch.size; i++) {
      const labels = batch.labels.subarray(i * plane, (i + 1) * plane);
      const predicted = prediction.subarray(i * plane, (i + 1) * plane);
      confusion.add(predicted, labels);
      for (const k of scoreNames) methods[k].add({ scores: scores[k].subarray(i * plane, (i + 1) * plane), labels, prediction: predicted, name: batch.samples[i]!.image });
      if (panelsLeft > 0 && labels.includes(13)) {
        panelsLeft--;
        writePanels(join(o.out, 'panels', `test-${String(images + 1).padStart(3, '0')}.png`), batch, i, scores, predicted);
      }
      images++;
    }
    progress.tick(batch.size);
  }
  progress.done();
  return { methods, confusion, timing: { seconds: (performance.now() - start) / 1000, images }, skippedFiles: skipped.length };
}

async function saveModel(path: string, model: Teacher | Student, config: ModelConfig, o: RunOptions): Promise<void> {
  await saveCheckpoint(path, await readState(model), { config: config.name, seed: String(o.seed), format: 'pt' });
}

export async function runPipeline(rt: GpuRuntime, o: RunOptions): Promise<ResultsReport> {
  const config = configs[o.config];
  const wall = performance.now();
  mkdirSync(join(o.out, 'checkpoints'), { recursive: true });
  log(`adapter: ${rt.describe()}`);
  log(`config ${config.name}: input ${config.inputHeight}x${config.inputWidth}, loss ${o.loss}, seed ${o.seed}`);

  let t = performance.now();
  const index = loadData(o);
  const dataSeconds = (performance.now() - t) / 1000;
  log(`data: ${index.root} (${index.splits.train!.length} train, ${index.splits.test!.length} test images) in ${formatSeconds(dataSeconds)}`);

  const rng = new Random(o.seed);
  const teacher = new Teacher(rt, rng, config);
  const student = new Student(rt, rng, config);
  log(`teacher ${(teacher.parameterCount() / 1e6).toFixed(2)} M parameters, student ${(student.parameterCount() / 1e6).toFixed(2)} M`);

  rt.pool.resetPeak();
  const teacherTiming = await trainTeacher(rt, teacher, index, o, config);
  await saveModel(join(o.out, 'checkpoints', 'teacher.safetensors'), teacher, config, o);
  teacher.freeze();
  const studentTiming = await distill(rt, teacher, student, index, o, config);
  await saveModel(join(o.out, 'checkpoints', 'student.safetensors'), student, config, o);
  const evaluation = await evaluate(teacher, student, index, o, config);
  t = performance.now();

  const perSecond = (p: PhaseTiming): string => (p.images / p.seconds).toFixed(2);
  const report: ResultsReport = {
    title: `DiCNet on ${o.data ? 'StreetHazards' : 'the embedded synthetic street scenes'} (${config.name}, ${o.loss} distillation)`,
    methods: scoreNames.map((k) => ({ method: methodNames[k], metrics: evaluation.methods[k].summary() })),
    sections: {
      teacher: {
        'mIoU (known classes, %)': round(100 * (evaluation.confusion.meanIou() ?? 0)),
        'pixel accuracy (%)': round(100 * (evaluation.confusion.pixelAccuracy() ?? 0)),
      },
      distillation: {
        loss: o.loss,
        'first epoch mean loss': round(studentTiming.firstLoss, 5),
        'last epoch mean loss': round(studentTiming.lastLoss, 5),
      },
      timing: {
        'data (s)': round(dataSeconds),
        'teacher training (s)': round(teacherTiming.seconds),
        'teacher training (images/s)': perSecond(teacherTiming),
        'distillation (s)': round(studentTiming.seconds),
        'distillation (images/s)': perSecond(studentTiming),
        'evaluation (s)': round(evaluation.timing.seconds),
        'evaluation (images/s)': perSecond(evaluation.timing),
        'wall (s)': round((performance.now() - wall) / 1000),
      },
      device: {
        adapter: rt.describe(),
        'peak GPU memory in use (MiB)': round(rt.pool.stats().peakBytesInUse / 2 ** 20),
        'GPU memory allocated (MiB)': round(rt.pool.stats().bytesAllocated / 2 ** 20),
      },
      data: {
        root: index.root,
        'test images scored': evaluation.methods.dicnetMse.summary().imagesScored,
        'test images without anomaly (skipped)': evaluation.methods.dicnetMse.summary().imagesWithoutAnomaly,
        'files skipped as bad': evaluation.skippedFiles + index.skipped.length,
      },
    },
  };
  writeFileSync(join(o.out, 'report.md'), renderMarkdown(report));
  writeFileSync(join(o.out, 'metrics.json'), JSON.stringify(reportJson(report), null, 2));
  log('\n' + renderText(report));
  log(`wrote ${join(o.out, 'report.md')}, ${join(o.out, 'metrics.json')}, checkpoints and panels in ${o.out}/`);
  return report;
}

function round(x: number, digits = 2): number {
  return Number(x.toFixed(digits));
}
