// The trained teacher and student that a finished run left in its checkpoints
// folder, for scoring without training (dicnet infer, dicnet eval). The
// configuration, seed, distillation loss, temperature and the pooled FPR95
// thresholds come from the checkpoints' metadata.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../base/random';
import { CheckpointError } from '../checkpoint/errors';
import { loadCheckpointFile } from '../checkpoint/io';
import type { GpuRuntime } from '../gpu';
import { configs, type ModelConfig } from '../model/config';
import { Student, Teacher } from '../model/networks';
import { writeState } from '../model/state';
import type { DistillLoss } from '../model/steps';

export interface TrainedPair {
  teacher: Teacher;
  student: Student;
  config: ModelConfig;
  /** The seed of the run (it also replays the untrained networks of the controls). */
  seed: number;
  loss: DistillLoss;
  temperature: number;
  /** The student checkpoint's metadata (fpr95_threshold_* among it). */
  metadata: Readonly<Record<string, string>>;
}

export async function loadTrainedPair(rt: GpuRuntime, dir: string): Promise<TrainedPair> {
  const paths = { teacher: join(dir, 'teacher.safetensors'), student: join(dir, 'student.safetensors') };
  const missing = Object.values(paths).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new CheckpointError(dir, `no trained networks here (${missing.join(', ')} missing): train them first with \`npx dicnet train\`, or pass --checkpoints DIR`);
  }
  const [teacherFile, studentFile] = await Promise.all([loadCheckpointFile(paths.teacher), loadCheckpointFile(paths.student)]);
  const metadata = studentFile.metadata ?? {};
  const config = Object.hasOwn(configs, metadata.config ?? '') ? configs[metadata.config as ModelConfig['name']] : null;
  if (!config) throw new CheckpointError(paths.student, `the metadata names no known configuration (config: ${metadata.config ?? 'missing'})`);
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
  return {
    teacher,
    student,
    config,
    seed,
    loss: metadata.loss === 'mse' ? 'mse' : 'kl',
    temperature: Number(metadata.temperature ?? 1),
    metadata,
  };
}
