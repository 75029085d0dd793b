// The trained teacher and student that a finished run left in its checkpoints
// folder, for scoring without training (dicnet infer, dicnet eval). The
// configuration, input size, class table, seed, distillation loss, temperature
// and the pooled FPR95 thresholds come from the checkpoints' metadata
// (checkpoints written before the class table travelled with them are the
// StreetHazards layout's, at the configuration's input size). The convs run
// the algorithms the run chose (its conv-choices.json beside the checkpoints),
// so that scoring at the run's batch size gives the run's own numbers, as fast.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassTable } from '../base/labels';
import { Random } from '../base/random';
import { CheckpointError } from '../checkpoint/errors';
import { loadCheckpointFile } from '../checkpoint/io';
import type { GpuRuntime } from '../gpu';
import { STREETHAZARDS_CLASSES } from '../data/class-tables';
import { describedNetworks, type ModelConfig } from '../model/config';
import { Student, Teacher } from '../model/networks';
import { writeState } from '../model/state';
import type { DistillLoss } from '../model/steps';
import { forgetConvChoices } from '../kernels/conv2dalgorithm';
import { loadConvChoices } from './conv-choices';
import { runConvChoicesPath } from './conv-tuning';

export interface TrainedPair {
  teacher: Teacher;
  student: Student;
  config: ModelConfig;
  /** The classes the teacher segments, from the dataset it was trained on. */
  classes: ClassTable;
  /** The seed of the run (it also replays the untrained networks of the controls). */
  seed: number;
  loss: DistillLoss;
  temperature: number;
  /** The student checkpoint's metadata (fpr95_threshold_* among it). */
  metadata: Readonly<Record<string, string>>;
  /** How many conv algorithm choices for this adapter came from the run's conv-choices.json (0: direct convs). */
  convChoices: number;
}

export async function loadTrainedPair(rt: GpuRuntime, dir: string): Promise<TrainedPair> {
  const paths = { teacher: join(dir, 'teacher.safetensors'), student: join(dir, 'student.safetensors') };
  const missing = Object.values(paths).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new CheckpointError(dir, `no trained networks here (${missing.join(', ')} missing): train them first with \`npx dicnet train\`, or pass --checkpoints DIR`);
  }
  const [teacherFile, studentFile] = await Promise.all([loadCheckpointFile(paths.teacher), loadCheckpointFile(paths.student)]);
  const metadata = studentFile.metadata ?? {};
  let described: ReturnType<typeof describedNetworks>;
  try {
    described = describedNetworks(metadata, paths.student, STREETHAZARDS_CLASSES);
  } catch (error) {
    throw new CheckpointError(paths.student, error instanceof Error ? error.message : String(error));
  }
  const { config, classes } = described;
  if (teacherFile.metadata?.config !== config.name) {
    throw new CheckpointError(paths.teacher, `holds the ${teacherFile.metadata?.config ?? 'unknown'} configuration, the student beside it ${config.name}`);
  }
  const seed = Number(metadata.seed ?? NaN);
  if (!Number.isInteger(seed)) throw new CheckpointError(paths.student, `the metadata has no whole-number seed (seed: ${metadata.seed ?? 'missing'})`);
  const rng = new Random(seed);
  const teacher = new Teacher(rt, rng, config);
  const student = new Student(rt, rng, config);
  writeState(teacher, teacherFile.tensors, paths.teacher);
  writeState(student, studentFile.tensors, paths.student);
  teacher.eval();
  student.eval();
  forgetConvChoices(rt);
  const convChoices = loadConvChoices(rt, runConvChoicesPath(dir));
  return {
    teacher,
    student,
    config,
    classes,
    seed,
    loss: metadata.loss === 'mse' ? 'mse' : 'kl',
    temperature: Number(metadata.temperature ?? 1),
    metadata,
    convChoices,
  };
}
