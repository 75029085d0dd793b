// An app that depends on the packed dicnet-webgpu (test/package.test.ts
// installs the tarball beside it, typechecks this file and runs it): a
// runtime, a teacher and student, a checkpoint written and loaded back into
// fresh networks, and scoreBatch on an embedded scene. It prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointError,
  GpuError,
  Random,
  Student,
  Teacher,
  createRuntime,
  loadCheckpointFile,
  modelInput,
  readState,
  renderScene,
  saveCheckpoint,
  scoreBatch,
  tiny,
  withBaselines,
  writeState,
  type CompleteBatchScores,
  type GpuRuntime,
} from 'dicnet-webgpu';

function networks(rt: GpuRuntime, seed: number): { teacher: Teacher; student: Student } {
  const rng = new Random(seed);
  return { teacher: new Teacher(rt, rng, tiny).eval(), student: new Student(rt, rng, tiny).eval() };
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Never called: misuses the declarations must reject (were they `any`, each @ts-expect-error would be an error itself). */
export function misuses(teacher: Teacher, student: Student, input: ReturnType<typeof modelInput>): void {
  // @ts-expect-error scoreBatch needs the distillation temperature
  void scoreBatch(teacher, student, input);
  // @ts-expect-error a checkpoint's tensors are a Map, not a file name
  writeState(student, 'student.safetensors', 'student');
  // @ts-expect-error a configuration is named 'tiny' or 'paper'
  tiny.name = 'huge';
}

const rt: GpuRuntime = await createRuntime();
const folder = mkdtempSync(join(tmpdir(), 'dicnet-app-'));
try {
  const trained = networks(rt, 1);
  for (const role of ['teacher', 'student'] as const) {
    await saveCheckpoint(join(folder, `${role}.safetensors`), await readState(trained[role]), { config: tiny.name });
  }
  const loaded = networks(rt, 2);
  for (const role of ['teacher', 'student'] as const) {
    writeState(loaded[role], (await loadCheckpointFile(join(folder, `${role}.safetensors`))).tensors, role);
  }
  let refusal: CheckpointError | null = null;
  try {
    writeState(loaded.teacher, (await loadCheckpointFile(join(folder, 'student.safetensors'))).tensors, 'student.safetensors');
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    refusal = error;
  }

  const scene = renderScene(101, tiny.inputWidth, tiny.inputHeight, 'test');
  const input = modelInput({ width: scene.width, height: scene.height, data: scene.image }, tiny.inputHeight, tiny.inputWidth);
  const original: CompleteBatchScores = withBaselines(await scoreBatch(trained.teacher, trained.student, input, 1));
  const reloaded = withBaselines(await scoreBatch(loaded.teacher, loaded.student, input, 1));
  console.log(
    JSON.stringify({
      adapter: rt.describe(),
      pixels: original.scores.dicnetMse.length,
      finite: Object.values(original.scores).every((map) => map.every(Number.isFinite)),
      maxDifference: Math.max(maxDifference(original.scores.dicnetMse, reloaded.scores.dicnetMse), maxDifference(original.scores.msp, reloaded.scores.msp)),
      samePrediction: original.prediction.every((c, i) => c === reloaded.prediction[i]),
      refusal: refusal === null ? null : { name: refusal.name, problems: refusal.problems.length },
      gpuErrorIsError: new GpuError('x') instanceof Error,
    }),
  );
} finally {
  rt.destroy();
  rmSync(folder, { recursive: true, force: true });
}
