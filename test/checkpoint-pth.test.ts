// The published DiCNet's own PyTorch modules against ours: checkpoints made by
// test/fixtures/reference/make_fixtures.py from the reference's module code (at
// 1/32 of its widths, its depths), loaded by our .pth reader into the `paper`
// networks built at those widths, and our forward on the fixed input compared
// with the outputs PyTorch saved beside them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Batch } from '../src/base/batch';
import { IGNORE_LABEL } from '../src/base/labels';
import { CheckpointError } from '../src/checkpoint/errors';
import { loadPthFile } from '../src/checkpoint/pth-file';
import { beginScope, noGrad, Tensor } from '../src/graph';
import { paper, type ModelConfig, type NetworkConfig } from '../src/model/config';
import type { Student, Teacher } from '../src/model/networks';
import { loadReferenceStudent, loadReferenceTeacher, type ReferenceTeacherFiles } from '../src/model/reference';
import { scoreBatch, withBaselines } from '../src/model/scores';
import { testRuntime } from './support/runtime';

const test = suite('checkpoint pth (the reference DiCNet)');

const folder = 'test/fixtures/reference';
interface Manifest {
  width_divisor: number;
  /** How far PyTorch's own float32 outputs are from the same modules in float64. */
  float32_error_relative_to_scale: Record<string, number>;
  checkpoints: Record<'teacher_encoder' | 'teacher_decoder' | 'teacher_t' | 'student' | 'student_legacy', string>;
  arrays: Record<'input' | 'teacher_feature' | 'student_feature' | 'teacher_probabilities' | 'score_raw' | 'score', { file: string; shape: number[] }>;
}
const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as Manifest;
const path = (key: keyof Manifest['checkpoints']): string => join(folder, manifest.checkpoints[key]);

function array(name: keyof Manifest['arrays']): { data: Float32Array; shape: number[] } {
  const bytes = readFileSync(join(folder, manifest.arrays[name].file));
  return { data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), shape: manifest.arrays[name].shape };
}

/** `paper` at the fixtures' widths: every channel count divided, depths, strides and numerics as published. */
function narrowedPaper(divisor: number, changes: Partial<ModelConfig> = {}): ModelConfig {
  const narrow = (c: NetworkConfig): NetworkConfig => ({
    encoder: { ...c.encoder, stemChannels: c.encoder.stemChannels.map((n) => n / divisor), planes: c.encoder.planes.map((n) => n / divisor) as NetworkConfig['encoder']['planes'] },
    ppmChannels: c.ppmChannels / divisor,
    featureChannels: c.featureChannels / divisor,
  });
  const [, , inputHeight, inputWidth] = manifest.arrays.input.shape as [number, number, number, number];
  return { ...paper, inputHeight, inputWidth, teacher: narrow(paper.teacher), student: narrow(paper.student), ...changes };
}

/** max |ours - reference| / max |reference|: the error relative to the output's scale. */
function relativeError(ours: ArrayLike<number>, reference: ArrayLike<number>): number {
  assert.is(ours.length, reference.length, 'element count');
  let error = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    error = Math.max(error, Math.abs(ours[i]! - reference[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return error / scale;
}

function softmaxOverChannels(logits: Float32Array, [n, c, h, w]: readonly number[]): Float64Array {
  const out = new Float64Array(logits.length);
  const plane = h! * w!;
  for (let b = 0; b < n!; b++) {
    for (let p = 0; p < plane; p++) {
      const at = (k: number) => (b * c! + k) * plane + p;
      let max = -Infinity;
      for (let k = 0; k < c!; k++) max = Math.max(max, logits[at(k)]!);
      let sum = 0;
      for (let k = 0; k < c!; k++) sum += Math.exp(logits[at(k)]! - max);
      for (let k = 0; k < c!; k++) out[at(k)] = Math.exp(logits[at(k)]! - max) / sum;
    }
  }
  return out;
}

function minMax(values: Float32Array): Float64Array {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return Float64Array.from(values, (v) => (v - lo) / (hi - lo));
}

function release(...models: (Teacher | Student)[]): void {
  for (const m of models) for (const [, e] of m.stateDict()) if (e instanceof Tensor) e.release();
}

const input = array('input');
const batch: Batch = (() => {
  const [size, , height, width] = input.shape as [number, number, number, number];
  return { size, height, width, images: input.data, labels: new Int32Array(size * height * width).fill(IGNORE_LABEL) };
})();

async function teacherFiles(): Promise<Extract<ReferenceTeacherFiles, { encoder: unknown }>> {
  return { encoder: (await loadPthFile(path('teacher_encoder'))).tensors, decoder: (await loadPthFile(path('teacher_decoder'))).tensors };
}

async function features(teacher: Teacher, student: Student): Promise<{ teacher: Float32Array; student: Float32Array; logits: Float32Array | null }> {
  const scope = beginScope();
  try {
    const image = Tensor.from(teacher.parameters()[0]!.rt, input.data, input.shape);
    const t = noGrad(() => ({ teacher: teacher.feature(image), student: student.feature(image), logits: teacher.hasClassifier ? teacher.logits(image) : null }));
    return { teacher: await t.teacher.read(), student: await t.student.read(), logits: t.logits && (await t.logits.read()) };
  } finally {
    scope.end();
  }
}

const tolerance = 1e-5;

test('the reference teacher (encoder.pth + decoder.pth) and student (module.-prefixed .pth): features, classifier and score map to float32 rounding', async () => {
  const rt = await testRuntime();
  const config = narrowedPaper(manifest.width_divisor);
  const teacher = loadReferenceTeacher(rt, config, await teacherFiles(), 'teacher/encoder.pth + teacher/decoder.pth');
  const student = loadReferenceStudent(rt, config, (await loadPthFile(path('student'))).tensors, path('student'));
  assert.ok(teacher.hasClassifier, 'decoder.pth holds the classifier');

  const ours = await features(teacher, student);
  const shape = manifest.arrays.teacher_probabilities.shape;
  const errors = {
    teacherFeature: relativeError(ours.teacher, array('teacher_feature').data),
    studentFeature: relativeError(ours.student, array('student_feature').data),
    teacherProbabilities: relativeError(softmaxOverChannels(ours.logits!, shape), array('teacher_probabilities').data),
  };
  const { scores } = withBaselines(await scoreBatch(teacher, student, batch, 1));
  const scoreErrors = {
    scoreRaw: relativeError(scores.dicnetMse, array('score_raw').data),
    scoreMinMax: relativeError(minMax(scores.dicnetMse), array('score').data),
  };
  console.log(`  max error relative to scale: ${Object.entries({ ...errors, ...scoreErrors }).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
  for (const [name, error] of Object.entries({ ...errors, ...scoreErrors })) assert.ok(error < tolerance, `${name}: ${error} relative to scale`);
  // The premise: the fixture is conditioned so that float32 rounding stays well under the tolerance.
  for (const [name, error] of Object.entries(manifest.float32_error_relative_to_scale)) assert.ok(error < tolerance / 3, `the fixture's own float32 error on ${name} is ${error}`);
  release(teacher, student);
});

test('the reference teacher as T saved it (module. prefix, no classifier): the same feature, and scores without the baselines, saying so', async () => {
  const rt = await testRuntime();
  const config = narrowedPaper(manifest.width_divisor);
  const teacher = loadReferenceTeacher(rt, config, { teacher: (await loadPthFile(path('teacher_t'))).tensors }, path('teacher_t'));
  const student = loadReferenceStudent(rt, config, (await loadPthFile(path('student_legacy'))).tensors, path('student_legacy'));
  assert.not.ok(teacher.hasClassifier);
  const ours = await features(teacher, student);
  const teacherError = relativeError(ours.teacher, array('teacher_feature').data);
  const studentError = relativeError(ours.student, array('student_feature').data);
  console.log(`  T file: teacher feature ${teacherError.toExponential(2)}; pre-1.6 student file: student feature ${studentError.toExponential(2)}`);
  assert.ok(teacherError < tolerance, `teacher feature ${teacherError}`);
  assert.ok(studentError < tolerance, `student feature ${studentError}`);

  const result = await scoreBatch(teacher, student, batch, 1);
  assert.ok(relativeError(result.scores.dicnetMse, array('score_raw').data) < tolerance);
  assert.is(result.scores.msp, null);
  assert.is(result.scores.maxLogit, null);
  assert.is(result.scores.entropy, null);
  assert.is(result.prediction, null);
  assert.match(result.omitted ?? '', /the teacher checkpoint has no classifier/);
  assert.throws(() => withBaselines(result), /MSP, max logit and entropy are needed here, but the teacher checkpoint has no classifier/);
  const scope = beginScope();
  assert.throws(() => noGrad(() => teacher.logits(Tensor.from(rt, input.data, input.shape))), /built without its classifier/);
  scope.end();
  release(teacher, student);
});

test('the tiny configuration\'s own choices do not reproduce the reference: stem padding 3, teacher feature without affine, align_corners=false', async () => {
  const rt = await testRuntime();
  const divisor = manifest.width_divisor;
  const paddedBy3 = narrowedPaper(divisor);
  paddedBy3.student = { ...paddedBy3.student, encoder: { ...paddedBy3.student.encoder, stemPadding: 3 } };
  const files = await teacherFiles();
  const studentTensors = (await loadPthFile(path('student'))).tensors;
  const student = loadReferenceStudent(rt, paddedBy3, studentTensors, 'student');
  const standardised = loadReferenceTeacher(rt, narrowedPaper(divisor, { teacherFeature: 'standardised', scoreAlignCorners: false }), files, 'teacher');
  const ours = await features(standardised, student);
  const studentError = relativeError(ours.student, array('student_feature').data);
  const teacherError = relativeError(ours.teacher, array('teacher_feature').data);
  const referenceStudent = loadReferenceStudent(rt, narrowedPaper(divisor), studentTensors, 'student');
  const referenceTeacher = loadReferenceTeacher(rt, narrowedPaper(divisor), files, 'teacher');
  const pairedWithTinyUpsampling = loadReferenceTeacher(rt, narrowedPaper(divisor, { scoreAlignCorners: false }), files, 'teacher');
  const upsamplingError = relativeError((await scoreBatch(pairedWithTinyUpsampling, referenceStudent, batch, 1)).scores.dicnetMse, array('score_raw').data);
  console.log(`  relative error with tiny's choices: student stem padding 3 ${studentError.toExponential(2)}, teacher feature without affine ${teacherError.toExponential(2)}, align_corners=false ${upsamplingError.toExponential(2)}`);
  assert.ok(studentError > 1e-2 && teacherError > 1e-2 && upsamplingError > 1e-3);
  release(student, standardised, referenceStudent, referenceTeacher, pairedWithTinyUpsampling);
});

test('a reference checkpoint that does not fit the model is refused whole, naming each problem', async () => {
  const rt = await testRuntime();
  const files = await teacherFiles();
  const withoutLayer = new Map([...files.encoder].filter(([name]) => !name.startsWith('layer4.2.')));
  const error = (() => {
    try {
      loadReferenceTeacher(rt, narrowedPaper(manifest.width_divisor), { encoder: withoutLayer, decoder: files.decoder }, 'encoder.pth');
    } catch (e) {
      return e;
    }
    return null;
  })();
  assert.instance(error, CheckpointError);
  assert.match((error as CheckpointError).message, /encoder\.pth: \d+ problems/);
  assert.match((error as CheckpointError).message, /missing tensor "encoder\.layer4\.2\.conv1\.weight"/);
  assert.throws(() => loadReferenceStudent(rt, narrowedPaper(manifest.width_divisor / 2), files.encoder, 'x.pth'), /x\.pth: \d+ problems/);
});

test.run();
