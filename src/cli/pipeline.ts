// The whole DiCNet run: data, teacher training, distillation, evaluation of
// DiCNet and the baselines, report, checkpoints and pictures. Both training
// phases write training-state checkpoints and stop cleanly when asked; a run
// with `resume` continues the interrupted phase of the run in the same folder.

import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../base/random';
import { CheckpointError } from '../checkpoint/errors';
import { loadCheckpointFile, saveCheckpoint } from '../checkpoint/io';
import type { DecodedCheckpoint } from '../checkpoint/safetensors';
import { processAlive } from '../data/atomic';
import { batchesInOrder } from '../data/batches';
import { createProgress, formatSeconds } from '../data/progress';
import { indexStreetHazards, type DatasetIndex, type SkippedFile } from '../data/streethazards';
import { ensureSyntheticDataset } from '../data/synthetic';
import { AnomalyEvaluation, ConfusionMatrix, renderMarkdown, renderText, reportJson, type ResultsReport } from '../eval';
import type { GpuRuntime } from '../gpu';
import { BindingSizeError } from '../gpu/errors';
import type { Module } from '../graph/module';
import { configs, type ModelConfig } from '../model/config';
import { Student, Teacher } from '../model/networks';
import { scoreBatch, scoreNames, type ScoreName } from '../model/scores';
import { readState, writeState } from '../model/state';
import { runPhase, type CheckpointInfo, type TrainingControl } from '../training/trainer';
import { parseProgress, type PhaseName } from '../training/training-state';
import type { RunOptions } from './options';
import { writePanels } from './panels';
import { buildReport, skippedFiles, type PhaseTiming } from './report';
import { studentPhase, summarise, teacherPhase, type PhaseSummary } from './training';

export interface PipelineControl extends TrainingControl {
  /** Called once the data and models are ready, just before training (the CLI installs its signal handlers here). */
  onTrainingStart?: () => void;
}

export type PipelineResult =
  | { status: 'done'; report: ResultsReport }
  /** Stopped on request (a signal or --stop-after), with the checkpoint to resume from. */
  | { status: 'stopped'; reason: string; checkpoint: CheckpointInfo | null };

export interface CheckpointPaths {
  /** The training state of the current phase (model, optimizer, position). */
  state: string;
  /** Final weights, PyTorch names. */
  teacher: string;
  student: string;
}

export function checkpointPaths(out: string): CheckpointPaths {
  const dir = join(out, 'checkpoints');
  return { state: join(dir, 'training-state.safetensors'), teacher: join(dir, 'teacher.safetensors'), student: join(dir, 'student.safetensors') };
}

function log(message: string): void {
  console.log(message);
}

function loadData(o: RunOptions): DatasetIndex {
  const root = o.data ?? ensureSyntheticDataset({ seed: o.seed, counts: { train: o.scenes[0], validation: o.scenes[1], test: o.scenes[2] } });
  return indexStreetHazards(root, { splits: ['train', 'test'], onBadSample: o.onBadSample });
}

interface ResumePoint {
  checkpoint: DecodedCheckpoint;
  source: string;
  phase: PhaseName;
}

async function readResumePoint(path: string): Promise<ResumePoint> {
  if (!existsSync(path)) throw new CheckpointError(path, 'there is nothing to resume: no training state was saved here (start without --resume, or pass the --out of the interrupted run)');
  const checkpoint = await loadCheckpointFile(path);
  const { phase, step, totalSteps } = parseProgress(checkpoint.metadata, path);
  log(`resuming the ${phase} phase at step ${step} of ${totalSteps} from ${path}`);
  return { checkpoint, source: path, phase };
}

/** Temp files of saves cut short by a crash (their process is gone): never read, only in the way. */
function removeStaleTempFiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = /\.safetensors\.tmp-(\d+)-\d+$/.exec(name)?.[1];
    if (pid !== undefined && !processAlive(Number(pid))) {
      rmSync(join(dir, name), { force: true });
      log(`removed ${join(dir, name)}, left by a save that was cut short`);
    }
  }
}

/** The input batch is the one tensor whose size is known before any data is read: refuse it up front if it cannot be bound. */
function checkInputFits(rt: GpuRuntime, o: RunOptions, c: ModelConfig): void {
  const bytes = o.batchSize * 3 * c.inputHeight * c.inputWidth * 4;
  const limit = rt.limits.maxStorageBufferBindingSize;
  if (bytes > limit) throw new BindingSizeError(bytes, limit, `the input batch [${o.batchSize}, 3, ${c.inputHeight}, ${c.inputWidth}] (--batch ${o.batchSize})`);
}

/** A fresh run must not overwrite the state of an unfinished one: that may be hours of training. */
async function refuseToOverwrite(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const advice = 'pass --resume to continue it, or delete the file or choose another --out to start over';
  let progress;
  try {
    progress = parseProgress((await loadCheckpointFile(path)).metadata, path);
  } catch (error) {
    throw new CheckpointError(path, `holds a training state that cannot be read (${error instanceof Error ? error.message : String(error)}): delete it or choose another --out`, { cause: error });
  }
  if (progress.phase !== 'student' || progress.step < progress.totalSteps) {
    throw new CheckpointError(path, `holds an unfinished run (${progress.phase} step ${progress.step} of ${progress.totalSteps}): ${advice}`);
  }
}

async function saveModel(path: string, model: Module, config: ModelConfig, o: RunOptions): Promise<void> {
  await saveCheckpoint(path, await readState(model), { config: config.name, seed: String(o.seed), format: 'pt' });
}

/** Final weights of a finished phase, checked against this run's model before anything is copied. */
async function loadModel(path: string, model: Module, config: ModelConfig, o: RunOptions): Promise<void> {
  const { tensors, metadata } = await loadCheckpointFile(path);
  const problems: string[] = [];
  if (metadata?.config !== config.name) problems.push(`it holds the ${metadata?.config ?? 'unknown'} configuration, this run uses ${config.name}`);
  if (metadata?.seed !== String(o.seed)) problems.push(`it was trained with seed ${metadata?.seed ?? 'unknown'}, this run uses ${o.seed}`);
  if (problems.length > 0) throw new CheckpointError(path, problems);
  writeState(model, tensors, path);
}

interface Evaluation {
  methods: Record<ScoreName, AnomalyEvaluation>;
  confusion: ConfusionMatrix;
  timing: PhaseTiming;
  skippedFiles: readonly SkippedFile[];
}

async function evaluate(teacher: Teacher, student: Student, index: DatasetIndex, o: RunOptions, c: ModelConfig, control: TrainingControl): Promise<Evaluation | null> {
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
    if (control.stopRequested !== null) return null;
    const { scores, prediction } = await scoreBatch(teacher, student, batch, o.temperature);
    const plane = batch.height * batch.width;
    for (let i = 0; i < batch.size; i++) {
      const labels = batch.labels.subarray(i * plane, (i + 1) * plane);
      const predicted = prediction.subarray(i * plane, (i + 1) * plane);
      confusion.add(predicted, labels);
      for (const k of scoreNames) methods[k].add({ scores: scores[k].subarray(i * plane, (i + 1) * plane), labels, prediction: predicted, name: batch.samples[i]!.image });
      if (panelsLeft > 0 && labels.includes(13)) {
        panelsLeft--;
        writePanels(join(o.out, 'panels', `test-${String(images + 1).padStart(3, '0')}.png`), batch, i, scores, predicted, o.loss === 'kl' ? 'dicnetKl' : 'dicnetMse');
      }
      images++;
    }
    progress.tick(batch.size);
  }
  progress.done();
  return { methods, confusion, timing: { seconds: (performance.now() - start) / 1000, images }, skippedFiles: skipped };
}

function stopped(control: TrainingControl): PipelineResult {
  return { status: 'stopped', reason: control.stopRequested ?? 'the step limit (--stop-after)', checkpoint: control.lastCheckpoint };
}

export async function runPipeline(rt: GpuRuntime, o: RunOptions, control: PipelineControl): Promise<PipelineResult> {
  const config = configs[o.config];
  const paths = checkpointPaths(o.out);
  const wall = performance.now();
  mkdirSync(join(o.out, 'checkpoints'), { recursive: true });
  removeStaleTempFiles(join(o.out, 'checkpoints'));
  log(`adapter: ${rt.describe()}`);
  log(`config ${config.name}: input ${config.inputHeight}x${config.inputWidth}, loss ${o.loss}, seed ${o.seed}`);

  checkInputFits(rt, o, config);
  const resume = o.resume ? await readResumePoint(paths.state) : null;
  if (!o.resume) await refuseToOverwrite(paths.state);
  let t = performance.now();
  const index = loadData(o);
  const dataSeconds = (performance.now() - t) / 1000;
  log(`data: ${index.root} (${index.splits.train!.length} train, ${index.splits.test!.length} test images) in ${formatSeconds(dataSeconds)}`);

  const rng = new Random(o.seed);
  const teacher = new Teacher(rt, rng, config);
  const student = new Student(rt, rng, config);
  log(`teacher ${(teacher.parameterCount() / 1e6).toFixed(2)} M parameters, student ${(student.parameterCount() / 1e6).toFixed(2)} M`);
  const context = { index, options: o, config, rng, path: paths.state };

  rt.pool.resetPeak();
  control.onTrainingStart?.();
  let teacherSummary: PhaseSummary | null = null;
  if (resume?.phase === 'student') {
    await loadModel(paths.teacher, teacher, config, o);
  } else {
    const result = await runPhase(teacherPhase(teacher, context), control, resume);
    if (!result.completed) return stopped(control);
    teacherSummary = summarise(result);
    await saveModel(paths.teacher, teacher, config, o);
  }
  const carry = teacherSummary ? { teacher: JSON.stringify(teacherSummary) } : undefined;
  const studentResult = await runPhase(studentPhase(teacher, student, context, carry), control, resume?.phase === 'student' ? resume : null);
  if (!studentResult.completed) return stopped(control);
  await saveModel(paths.student, student, config, o);
  teacherSummary ??= studentResult.carry.teacher ? (JSON.parse(studentResult.carry.teacher) as PhaseSummary) : null;

  const evaluation = await evaluate(teacher, student, index, o, config, control);
  if (evaluation === null) return stopped(control);

  const phases = { index, teacher: teacherSummary, student: summarise(studentResult), evaluation };
  const skipped = skippedFiles(phases);
  if (skipped.length > 0) log(`\nskipped ${skipped.length} bad file(s) (--on-bad-sample skip):\n${skipped.map((s) => `  ${s.reason}`).join('\n')}`);
  const report: ResultsReport = buildReport({
    ...phases,
    options: o,
    config,
    adapter: rt.describe(),
    pool: rt.pool.stats(),
    dataSeconds,
    wallSeconds: (performance.now() - wall) / 1000,
    stateCheckpoint: paths.state,
  });
  writeFileSync(join(o.out, 'report.md'), renderMarkdown(report));
  writeFileSync(join(o.out, 'metrics.json'), JSON.stringify(reportJson(report), null, 2));
  log('\n' + renderText(report));
  log(`wrote ${join(o.out, 'report.md')}, ${join(o.out, 'metrics.json')}, checkpoints and panels in ${o.out}/`);
  return { status: 'done', report };
}
