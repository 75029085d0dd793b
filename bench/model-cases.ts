// The whole-model benchmark's cases on our engine: the `tiny` networks at the
// main job's two sizes (the synthetic scenes' and CamVid's), the main job's training steps (teacher cross-entropy with SGD, student KL
// distillation with Adam) and inference (scoreBatch), each run as the main job
// runs it, readback included. The batch is random but seeded, so every system
// gets the same kind of input.

import type { Batch } from '../src/base/batch';
import { IGNORE_LABEL } from '../src/base/labels';
import { Random } from '../src/base/random';
import type { GpuRuntime } from '../src/gpu';
import { Adam, SGD } from '../src/graph/optim';
import { Tensor } from '../src/graph/tensor';
import { DATASET_DEFAULTS } from '../src/cli/options';
import { CAMVID_CLASSES, STREETHAZARDS_CLASSES } from '../src/data/class-tables';
import { shapedConfig, type ModelConfig } from '../src/model/config';
import { Student, Teacher } from '../src/model/networks';
import { scoreBatch } from '../src/model/scores';
import { distillStep, teacherStep } from '../src/model/steps';

export const caseNames = ['teacher', 'student', 'inference'] as const;
export type CaseName = (typeof caseNames)[number];

export const caseLabels: Record<CaseName, string> = {
  teacher: 'teacher training step (class-weighted cross-entropy, SGD)',
  student: 'student distillation step (KL, Adam)',
  inference: 'inference (scoreBatch: both networks, all scores)',
};

export interface BenchSize {
  /** A short name, for the table and --json. */
  name: string;
  config: ModelConfig;
}

/** The `tiny` configuration as the main job shapes it for each dataset: its class count and input size. */
const shapedFor = (layout: string, classes: { names: readonly string[] }): ModelConfig => {
  const [inputHeight, inputWidth] = DATASET_DEFAULTS[layout]!.inputSize;
  return shapedConfig('tiny', { numClasses: classes.names.length, inputHeight, inputWidth });
};

export const benchSizes: readonly BenchSize[] = [
  { name: 'synthetic', config: shapedFor('StreetHazards', STREETHAZARDS_CLASSES) },
  { name: 'CamVid', config: shapedFor('CamVid', CAMVID_CLASSES) },
];

export const describeSize = ({ name, config }: BenchSize): string => `${name} ${config.inputHeight}x${config.inputWidth}, ${config.numClasses} classes`;

/** The main job's settings (src/cli/options.ts defaults). */
export const jobSettings = { teacherLr: 0.1, studentLr: 1e-3, temperature: 1, seed: 1 };

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

export interface OurCases {
  teacher: Teacher;
  student: Student;
  run: Record<CaseName, () => Promise<void>>;
}

/**
 * Each case needs its own mode: the teacher trains in its case and is frozen
 * for the other two, so `run` switches modes (cheap: flags only) before each call.
 */
export function ourCases(rt: GpuRuntime, config: ModelConfig, batch: Batch): OurCases {
  const rng = new Random(jobSettings.seed);
  const teacher = new Teacher(rt, rng, config);
  const student = new Student(rt, rng, config);
  const named = (m: Teacher | Student) => m.namedParameters().map(([name, param]) => ({ name, param }));
  const sgd = new SGD(named(teacher), jobSettings.teacherLr, 0.9, 1e-4);
  const adam = new Adam(named(student), jobSettings.studentLr, { weightDecay: 1e-5 });
  const teacherParams = teacher.parameters();
  const weights = Tensor.from(rt, classWeights(config.numClasses), [config.numClasses], 'persistent');
  const trainTeacher = (on: boolean) => {
    teacher.train(on);
    for (const p of teacherParams) p.requiresGrad = on;
  };
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
        await distillStep(teacher, student, adam, batch, step++, 'kl', jobSettings.temperature);
      },
      inference: async () => {
        trainTeacher(false);
        student.eval();
        await scoreBatch(teacher, student, batch, jobSettings.temperature);
      },
    },
  };
}
