// The whole-model benchmark's cases on our engine: the `tiny` networks at the
// main job's two sizes (the synthetic scenes' and CamVid's), the main job's training steps (teacher cross-entropy with SGD, student KL
// distillation with Adam, outlier-exposed and of the teacher's layers where the dataset's default is) and inference (scoreBatch),
// each run as the main job runs it, readback included. The batch is random but seeded, so every system
// gets the same kind of input.

import type { Batch } from '../src/base/batch';
import { ANOMALY_LABEL, IGNORE_LABEL } from '../src/base/labels';
import { Random } from '../src/base/random';
import type { GpuRuntime } from '../src/gpu';
import { Adam, SGD } from '../src/graph/optim';
import { Tensor } from '../src/graph/tensor';
import { DATASET_DEFAULTS, defaults, STUDENT_LR } from '../src/cli/options';
import { CAMVID_CLASSES, STREETHAZARDS_CLASSES } from '../src/data/class-tables';
import { shapedConfig, type ModelConfig } from '../src/model/config';
import { Student, Teacher } from '../src/model/networks';
import { scoreBatch } from '../src/model/scores';
import { distillStep, OUTLIER_WEIGHT, teacherStep, type StudentOutliers } from '../src/model/steps';

export const caseNames = ['teacher', 'student', 'inference'] as const;
export type CaseName = (typeof caseNames)[number];

export interface BenchSize {
  /** A short name, for the table and --json. */
  name: string;
  config: ModelConfig;
  /** The student step's outlier exposure: the dataset's default, as the main job distils. */
  studentOutliers: StudentOutliers;
  /** The student's learning rate: the default for the dataset's student (config.studentStart), as the main job distils. */
  studentLr: number;
}

/** What a case's row says it runs at this size. */
export function caseLabel(name: CaseName, size: Pick<BenchSize, 'studentOutliers' | 'config'>): string {
  if (name === 'teacher') return 'teacher training step (class-weighted cross-entropy, SGD)';
  if (name === 'inference') return 'inference (scoreBatch: both networks, all scores)';
  const student = size.config.studentStart === 'teacher' ? "student of the teacher's layers" : 'student';
  return size.studentOutliers === 'none' ? `${student} distillation step (KL, Adam)` : `${student} distillation step (KL with ${size.studentOutliers} outlier exposure, Adam)`;
}

/**
 * The `tiny` configuration as the main job shapes it for each dataset (its class count, input size and student), and the student step it distils with.
 * The dataset's colour jitter is left out: it changes the frames on the CPU before upload, data work like decoding, which no case times.
 */
const sizeFor = (name: string, layout: string, classes: { names: readonly string[] }): BenchSize => {
  const { inputSize, studentOutliers, studentStart } = DATASET_DEFAULTS[layout]!;
  const [inputHeight, inputWidth] = inputSize;
  return { name, config: shapedConfig('tiny', { numClasses: classes.names.length, inputHeight, inputWidth, studentStart }), studentOutliers, studentLr: STUDENT_LR[studentStart] };
};

export const benchSizes: readonly BenchSize[] = [sizeFor('synthetic', 'StreetHazards', STREETHAZARDS_CLASSES), sizeFor('CamVid', 'CamVid', CAMVID_CLASSES)];

export const describeSize = ({ name, config }: BenchSize): string => `${name} ${config.inputHeight}x${config.inputWidth}, ${config.numClasses} classes`;

/** The main job's settings (src/cli/options.ts defaults); the student's learning rate depends on the size's student (BenchSize.studentLr). */
export const jobSettings = { teacherLr: defaults.teacherLr, temperature: defaults.temperature, seed: defaults.seed };

/**
 * Class weights for the teacher's cross-entropy, as the main job passes (its
 * default --class-weights sqrt): their values do not change the work, only
 * that the weighted kernels run.
 */
export const classWeights = (classes: number): Float32Array => Float32Array.from({ length: classes }, (_, c) => 0.5 + c / classes);

/** Normalised images (standard normal values) and labels of the known classes with some pixels ignored. */
export function randomBatch(config: ModelConfig, size: number, seed: number): Batch {
  const rng = new Random(seed);
  const { inputHeight: height, inputWidth: width } = config;
  const images = Float32Array.from({ length: size * 3 * height * width }, () => rng.normal());
  const labels = Int32Array.from({ length: size * height * width }, () => (rng.next() < 0.05 ? IGNORE_LABEL : rng.int(config.numClasses)));
  return { size, height, width, images, labels };
}

/**
 * The batch with the block from a quarter to half of each image's height and
 * width labelled as a painted outlier, for the outlier-exposed student step
 * (the teacher's step refuses such labels). bench/peers/model_torch.py marks
 * the same block.
 */
export function withOutlierBlock(batch: Batch): Batch {
  const { size, height, width } = batch;
  const labels = batch.labels.slice();
  for (let n = 0; n < size; n++) {
    for (let y = Math.floor(height / 4); y < Math.floor(height / 2); y++) labels.fill(ANOMALY_LABEL, (n * height + y) * width + Math.floor(width / 4), (n * height + y) * width + Math.floor(width / 2));
  }
  return { ...batch, labels };
}

export interface OurCases {
  teacher: Teacher;
  student: Student;
  run: Record<CaseName, () => Promise<void>>;
}

/**
 * Each case needs its own mode: the teacher trains in its case and is frozen
 * for the other two, so `run` switches modes (cheap: flags only) before each call.
 */
export function ourCases(rt: GpuRuntime, size: BenchSize, batch: Batch): OurCases {
  const { config } = size;
  const rng = new Random(jobSettings.seed);
  const teacher = new Teacher(rt, rng, config);
  const student = new Student(rt, rng, config);
  if (config.studentStart === 'teacher') student.startFrom(teacher);
  const named = (m: Teacher | Student) => m.namedParameters().map(([name, param]) => ({ name, param }));
  const sgd = new SGD(named(teacher), jobSettings.teacherLr, 0.9, 1e-4);
  const adam = new Adam(named(student), size.studentLr, { weightDecay: 1e-5 });
  const teacherParams = teacher.parameters();
  const weights = Tensor.from(rt, classWeights(config.numClasses), [config.numClasses], 'persistent');
  const trainTeacher = (on: boolean) => {
    teacher.train(on);
    for (const p of teacherParams) p.requiresGrad = on;
  };
  const outliers = size.studentOutliers === 'none' ? null : { target: size.studentOutliers, weight: OUTLIER_WEIGHT };
  const distillBatch = outliers ? withOutlierBlock(batch) : batch;
  let step = 0;
  return {
    teacher,
    student,
    run: {
      teacher: async () => {
        trainTeacher(true);
        await teacherStep(teacher, sgd, batch, step++, weights);
      },
      student: async () => {
        trainTeacher(false);
        student.train();
        await distillStep(teacher, student, adam, distillBatch, step++, 'kl', jobSettings.temperature, outliers);
      },
      inference: async () => {
        trainTeacher(false);
        student.eval();
        await scoreBatch(teacher, student, batch, jobSettings.temperature);
      },
    },
  };
}
