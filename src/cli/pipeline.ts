// The whole DiCNet run: data, teacher training, distillation, evaluation of
// DiCNet and the baselines, report, checkpoints and pictures. Both training
// phases write training-state checkpoints and stop cleanly when asked; a run
// with `resume` continues the interrupted phase of the run in the same folder.

import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Random } from '../base/random';
import { CheckpointError } from '../checkpoint/errors';
import { loadCheckpointFile, saveCheckpoint } from '../checkpoint/io';
import type { DecodedCheckpoint } from '../checkpoint/safetensors';
import { processAlive } from '../data/atomic';
import { formatSeconds } from '../data/progress';
import { indexAnomalySet, type AnomalySet } from '../data/anomaly-set';
import { loadSample, type DatasetIndex, type SplitName } from '../data/dataset';
import { cachedLoader } from '../data/sample-cache';
import { openDataset } from '../data/open-dataset';
import { checkSamples } from '../data/sample-check';
import { ensureSyntheticDataset } from '../data/synthetic';
import { CLASS_TABLE_KEY, classTableToJson } from '../base/labels';
import { renderMarkdown, renderText, reportJson, type ResultsReport } from '../eval';
import type { GpuRuntime } from '../gpu';
import { BindingSizeError } from '../gpu/errors';
import type { Module } from '../graph/module';
import { shapedConfig, STUDENT_START_KEY, type ModelConfig } from '../model/config';
import { Student, Teacher } from '../model/networks';
import { readState, writeState } from '../model/state';
import { runPhase, type CheckpointInfo, type TrainingControl } from '../training/trainer';
import { parseProgress, type PhaseName } from '../training/training-state';
import { resolveOptions, type ResolvedRunOptions, type RunOptions } from './options';
import { datasetSplit, EVALUATED_SPLITS, evaluateSplit, fitColourRarity, METHODS, pooledFpr95Threshold, type SplitEvaluation } from './evaluation';
import { domainMetadata } from '../eval/domain';
import { domainReference } from './domain-check';
import { writeOutputFile } from './output-files';
import { buildReport, skippedFiles, type ReportInput } from './report';
import { chooseRunConvs, runConvChoicesPath } from './conv-tuning';
import { studentPhase, summarise, teacherClassWeights, teacherPhase, type PhaseSummary } from './training';

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
  // The embedded scenes have anomalies in validation (for tuning) and the easy test set. A real copy's validation
  // split has none: it is the in-domain reference of the domain check; its test split is where the teacher's
  // segmentation is measured.
  const splits: SplitName[] = o.data === null ? ['train', 'validation', 'test', 'test-easy'] : ['train', 'validation', 'test'];
  return openDataset(root, { splits, onBadSample: o.onBadSample });
}

/** Every anomaly set named on the command line, listed and checked before any training. */
function loadAnomalySets(o: RunOptions): AnomalySet[] {
  return o.anomalies.map(({ name, dir }) => indexAnomalySet(dir, name));
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
function checkInputFits(rt: GpuRuntime, o: ResolvedRunOptions, c: ModelConfig): void {
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
  if (progress.phase === 'teacher' && progress.step === 0) {
    log(`replacing the training state in ${path} (teacher step 0 of ${progress.totalSteps}: no step was trained)`);
    return;
  }
  if (progress.phase !== 'student' || progress.step < progress.totalSteps) {
    throw new CheckpointError(path, `holds an unfinished run (${progress.phase} step ${progress.step} of ${progress.totalSteps}): ${advice}`);
  }
}

const SYNTHETIC_ORIGIN = { data_source: 'the street scenes this package generates (src/data/synthetic)', data_terms: 'MIT, as the package' };

/** What a checkpoint carries besides its tensors: enough for `dicnet infer` and the demo to rebuild and draw the networks. */
function runMetadata(config: ModelConfig, o: RunOptions, index: DatasetIndex): Record<string, string> {
  return {
    config: config.name,
    seed: String(o.seed),
    loss: o.loss,
    temperature: String(o.temperature),
    input_height: String(config.inputHeight),
    input_width: String(config.inputWidth),
    [STUDENT_START_KEY]: config.studentStart,
    [CLASS_TABLE_KEY]: classTableToJson(index.classes),
    ...(o.teacher === null ? {} : { teacher_from: resolve(o.teacher) }),
    ...(o.data === null ? SYNTHETIC_ORIGIN : { data_source: index.origin.source, data_terms: index.origin.terms }),
  };
}

async function saveModel(path: string, model: Module, config: ModelConfig, o: RunOptions, index: DatasetIndex, extra: Record<string, string> = {}): Promise<void> {
  const run = runMetadata(config, o, index);
  await saveCheckpoint(path, await readState(model), { ...run, format: 'pt', ...extra });
}

/** Every split the run has images of, the headline test split first, then the anomaly sets. */
async function evaluateAll(rt: GpuRuntime, teacher: Teacher, student: Student, index: DatasetIndex, sets: readonly AnomalySet[], o: RunOptions, config: ModelConfig, control: TrainingControl) {
  // The networks as they were before training: the same seed replays the same initial weights.
  const initial = new Random(o.seed);
  const untrained = { teacher: new Teacher(rt, initial, config).eval(), student: new Student(rt, initial, config).eval() };
  const colour = fitColourRarity(index, o);
  const evaluations: SplitEvaluation[] = [];
  const models = { teacher, student, untrained, colour };
  for (const split of EVALUATED_SPLITS) {
    if (!index.splits[split]?.length) continue;
    const e = await evaluateSplit(models, datasetSplit(index, split), o, config, control, split === 'validation' ? 0 : o.panels);
    if (e === null) return null;
    evaluations.push(e);
  }
  for (const set of sets) {
    const e = await evaluateSplit(models, { split: set.name, source: 'anomaly set', samples: set.samples, classes: index.classes }, o, config, control, o.panels);
    if (e === null) return null;
    evaluations.push(e);
  }
  return evaluations;
}

/**
 * FPR95 thresholds pooled over the anomaly pixels of tuning data: the validation
 * split's, else the first anomaly set's (`--anomalies`), else the test split's.
 */
function thresholds(evaluations: readonly SplitEvaluation[]): ReportInput['thresholds'] {
  const hasAnomalies = (e: SplitEvaluation) => (e.anomalyScores.dicnetKl?.length ?? 0) > 0;
  const from =
    evaluations.find((e) => e.split === 'validation' && e.source === 'dataset' && hasAnomalies(e)) ??
    evaluations.find((e) => e.source === 'anomaly set' && hasAnomalies(e)) ??
    evaluations.find((e) => e.split === 'test' && hasAnomalies(e));
  if (!from) return null;
  const values: Record<string, number | null> = {};
  for (const [source, scores] of Object.entries(from.anomalyScores)) {
    values[`fpr95_threshold_${METHODS.find((m) => m.source === source)!.key}`] = pooledFpr95Threshold(scores);
  }
  return { split: from.split, values };
}

/** A teacher to distil from (--teacher), read and checked against this run's network and classes before any long work. */
async function readTrainedTeacher(path: string, config: ModelConfig, index: DatasetIndex): Promise<DecodedCheckpoint> {
  if (!existsSync(path)) throw new CheckpointError(path, 'no such file (--teacher takes a trained teacher, such as a run\'s checkpoints/teacher.safetensors)');
  const checkpoint = await loadCheckpointFile(path);
  const m = checkpoint.metadata ?? {};
  const problems: string[] = [];
  if (m.config !== config.name) problems.push(`it holds the ${m.config ?? 'unknown'} configuration, this run uses ${config.name}`);
  const size = `${m.input_height ?? '?'}x${m.input_width ?? '?'}`;
  if (size !== `${config.inputHeight}x${config.inputWidth}`) problems.push(`its input is ${size}, this run's ${config.inputHeight}x${config.inputWidth} (--input)`);
  if (m[CLASS_TABLE_KEY] !== classTableToJson(index.classes)) problems.push(`its classes are not those of ${index.layout} at ${index.root}`);
  if (problems.length > 0) throw new CheckpointError(path, problems);
  return checkpoint;
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

function stopped(control: TrainingControl): PipelineResult {
  return { status: 'stopped', reason: control.stopRequested ?? 'the step limit (--stop-after)', checkpoint: control.lastCheckpoint };
}

export async function runPipeline(rt: GpuRuntime, options: RunOptions, control: PipelineControl): Promise<PipelineResult> {
  const paths = checkpointPaths(options.out);
  const wall = performance.now();
  mkdirSync(join(options.out, 'checkpoints'), { recursive: true });
  removeStaleTempFiles(join(options.out, 'checkpoints'));
  log(`adapter: ${rt.describe()}`);

  const resume = options.resume ? await readResumePoint(paths.state) : null;
  if (!options.resume) await refuseToOverwrite(paths.state);
  let t = performance.now();
  const index = loadData(options);
  const anomalySets = loadAnomalySets(options);
  const o = resolveOptions(options, index.layout);
  const config = shapedConfig(o.config, { numClasses: index.classes.names.length, inputHeight: o.inputSize[0], inputWidth: o.inputSize[1], studentStart: o.studentStart });
  log(`config ${config.name}: input ${config.inputHeight}x${config.inputWidth}, ${index.layout} (${config.numClasses} classes), loss ${o.loss}, seed ${o.seed}`);
  checkInputFits(rt, o, config);
  const trainedTeacher = o.teacher === null ? null : await readTrainedTeacher(o.teacher, config, index);
  // Every split is read here, so a bad file in one read only at evaluation stops the run before training, not after.
  const classPixels = await checkSamples(index, o.onBadSample, (s) => log(`skipped ${s.reason} (--on-bad-sample skip)`), anomalySets);
  const dataSeconds = (performance.now() - t) / 1000;
  const setCounts = anomalySets.map((s) => `, ${s.samples.length} in anomaly set ${s.name}`).join('');
  log(`data: ${index.layout} at ${index.root} (${index.splits.train!.length} train, ${index.splits.test!.length} test images${setCounts}) in ${formatSeconds(dataSeconds)}`);

  const rng = new Random(o.seed);
  const teacher = new Teacher(rt, rng, config);
  const student = new Student(rt, rng, config);
  log(`teacher ${(teacher.parameterCount() / 1e6).toFixed(2)} M parameters, student ${(student.parameterCount() / 1e6).toFixed(2)} M`);
  const frames = cachedLoader(loadSample);
  const context = { index, options: o, config, rng, path: paths.state, trainClassPixels: classPixels.train!.slice(0, config.numClasses), loadTrainSample: frames.load };
  const convAlgorithms = await chooseRunConvs(rt, teacher, student, config, o.batchSize, { mode: o.convChoices, runFile: runConvChoicesPath(join(options.out, 'checkpoints')), resuming: resume !== null }, log);

  rt.pool.resetPeak();
  control.onTrainingStart?.();
  let teacherSummary: PhaseSummary | null = null;
  if (resume?.phase === 'student') {
    await loadModel(paths.teacher, teacher, config, o);
  } else if (trainedTeacher) {
    writeState(teacher, trainedTeacher.tensors, o.teacher!);
    await saveModel(paths.teacher, teacher, config, o, index);
    log(`teacher: ${o.teacher} (not trained in this run)`);
  } else {
    const result = await runPhase(teacherPhase(teacher, context), control, resume);
    if (!result.completed) return stopped(control);
    teacherSummary = summarise(result);
    await saveModel(paths.teacher, teacher, config, o, index);
  }
  // A resumed distillation finds its student in the training state.
  if (config.studentStart === 'teacher' && resume?.phase !== 'student') student.startFrom(teacher);
  const carry = teacherSummary ? { teacher: JSON.stringify(teacherSummary) } : undefined;
  const studentResult = await runPhase(studentPhase(teacher, student, context, carry), control, resume?.phase === 'student' ? resume : null);
  if (!studentResult.completed) return stopped(control);
  await saveModel(paths.student, student, config, o, index);
  teacherSummary ??= studentResult.carry.teacher ? (JSON.parse(studentResult.carry.teacher) as PhaseSummary) : null;

  const evaluations = await evaluateAll(rt, teacher, student, index, anomalySets, o, config, control);
  if (evaluations === null) return stopped(control);
  const threshold = thresholds(evaluations);
  const domain = domainReference(evaluations, index);
  // Both files get the metadata of this code, also when a run started by an older one is resumed.
  await saveModel(paths.teacher, teacher, config, o, index);
  if (threshold || domain) {
    const stored = Object.fromEntries(Object.entries(threshold?.values ?? {}).flatMap(([k, v]) => (v === null ? [] : [[k, String(v)]])));
    await saveModel(paths.student, student, config, o, index, { ...stored, ...(threshold ? { fpr95_threshold_split: threshold.split } : {}), ...(domain ? domainMetadata(domain) : {}) });
  }

  const phases = { index, teacher: teacherSummary, student: summarise(studentResult), evaluations };
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
    thresholds: threshold,
    domain,
    // A teacher trained elsewhere (--teacher) was weighted as its own run chose: not known here.
    ...(o.teacher === null ? { classWeights: teacherClassWeights(context) } : {}),
    stateCheckpoint: paths.state,
    convAlgorithms,
  });
  // The table reaches the terminal before any file is written: a full disk loses no result.
  log('\n' + renderText(report));
  writeOutputFile(join(o.out, 'report.md'), renderMarkdown(report));
  writeOutputFile(join(o.out, 'metrics.json'), JSON.stringify(reportJson(report), null, 2) + '\n');
  log(`wrote ${join(o.out, 'report.md')}, ${join(o.out, 'metrics.json')}, checkpoints and panels in ${o.out}/`);
  return { status: 'done', report };
}
