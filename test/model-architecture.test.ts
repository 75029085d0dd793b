// The networks as the reference builds them: PyTorch state-dict names and
// shapes, output stride 8 with dilations 2 and 4, and the `paper`
// configuration building and running a forward pass on a small input.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../src/base/random';
import { beginScope, noGrad, Tensor } from '../src/graph';
import { paper, shapedConfig, tiny } from '../src/model/config';
import { Student, Teacher } from '../src/model/networks';
import { stateSignatures } from '../src/model/state';
import { testRuntime } from './support/runtime';

const test = suite('model architecture');

function release(...modules: (Teacher | Student)[]): void {
  for (const m of modules) for (const [, e] of m.stateDict()) if (e instanceof Tensor) e.release();
}

test('paper teacher and student: reference names and shapes, dilations, forward at stride 8', async () => {
  const rt = await testRuntime();
  const rng = new Random(1);
  const teacher = new Teacher(rt, rng, paper).eval();
  const student = new Student(rt, rng, paper).eval();
  const t = stateSignatures(teacher);
  const s = stateSignatures(student);
  const expectShape = (sig: Map<string, { shape: readonly number[] }>, name: string, shape: number[]): void => {
    assert.ok(sig.has(name), `missing ${name}`);
    assert.equal([...sig.get(name)!.shape], shape, name);
  };
  expectShape(t, 'encoder.conv1.weight', [64, 3, 3, 3]);
  expectShape(t, 'encoder.conv3.weight', [128, 64, 3, 3]);
  expectShape(t, 'encoder.layer1.0.downsample.0.weight', [256, 128, 1, 1]);
  expectShape(t, 'encoder.layer4.2.conv3.weight', [2048, 512, 1, 1]);
  expectShape(t, 'decoder.ppm.3.1.weight', [512, 2048, 1, 1]);
  expectShape(t, 'decoder.ppm.3.2.running_var', [512]);
  expectShape(t, 'decoder.conv_last.0.weight', [512, 4096, 3, 3]);
  expectShape(t, 'decoder.conv_last.1.running_mean', [512]);
  expectShape(t, 'decoder.conv_last.4.weight', [13, 512, 1, 1]);
  expectShape(t, 'decoder.conv_last.4.bias', [13]);
  assert.is(t.get('encoder.layer3.5.bn2.num_batches_tracked')!.dtype, 'I64');
  assert.not.ok(t.has('decoder.skip_proj.0.weight'), 'the published teacher has no head skip');
  expectShape(s, 'encoder.conv1.weight', [64, 3, 7, 7]);
  expectShape(s, 'encoder.layer4.2.conv2.weight', [512, 512, 3, 3]);
  expectShape(s, 'decoder.conv_last.0.weight', [512, 2560, 3, 3]);
  assert.not.ok(s.has('encoder.conv2.weight'), 'the student has the single 7x7 stem');
  assert.not.ok(s.has('decoder.conv_last.1.weight'), 'the student decoder ends with the 3x3 conv');
  const dilation = (m: Teacher, layer: 'layer3' | 'layer4', block: number): number => m.encoder[layer].layers[block]!['conv2' as never]['dilation'];
  assert.equal([dilation(teacher, 'layer3', 0), dilation(teacher, 'layer3', 1), dilation(teacher, 'layer4', 0), dilation(teacher, 'layer4', 1)], [1, 2, 2, 4]);
  console.log(`paper teacher ${(teacher.parameterCount() / 1e6).toFixed(1)} M parameters, student ${(student.parameterCount() / 1e6).toFixed(1)} M`);

  const scope = beginScope();
  const image = Tensor.from(rt, new Random(2).shuffle(Array.from({ length: 3 * 40 * 56 }, (_, i) => (i % 97) / 97 - 0.5)), [1, 3, 40, 56]);
  const { feature, logits } = noGrad(() => teacher.featureAndLogits(image));
  const studentFeature = noGrad(() => student.feature(image));
  assert.equal([...feature.shape], [1, 512, 5, 7]);
  assert.equal([...logits.shape], [1, 13, 5, 7]);
  assert.equal([...studentFeature.shape], [1, 512, 5, 7]);
  for (const t of [feature, logits, studentFeature]) assert.ok((await t.read()).every(Number.isFinite));
  scope.end();
  release(teacher, student);
});

test('tiny configuration: feature at stride 8, logits at stride 4 through the head skip from layer1', async () => {
  const rt = await testRuntime();
  const rng = new Random(3);
  const teacher = new Teacher(rt, rng, tiny).eval();
  const student = new Student(rt, rng, tiny).eval();
  const scope = beginScope();
  const image = Tensor.from(rt, new Float32Array(2 * 3 * tiny.inputHeight * tiny.inputWidth).fill(0.1), [2, 3, tiny.inputHeight, tiny.inputWidth]);
  const { feature, logits } = noGrad(() => teacher.featureAndLogits(image));
  const [h, w] = [tiny.inputHeight / 8, tiny.inputWidth / 8];
  assert.equal([...feature.shape], [2, tiny.teacher.featureChannels, h, w]);
  assert.equal([...logits.shape], [2, tiny.numClasses, 2 * h, 2 * w]);
  const t = stateSignatures(teacher);
  assert.equal([...t.get('decoder.skip_proj.0.weight')!.shape], [tiny.teacherHeadSkip, tiny.teacher.encoder.planes[0], 1, 1]);
  assert.equal([...t.get('decoder.skip_fuse.0.weight')!.shape], [tiny.teacher.featureChannels, tiny.teacher.featureChannels + tiny.teacherHeadSkip, 3, 3]);
  assert.ok(t.has('decoder.skip_fuse.1.running_var'));
  assert.not.ok(stateSignatures(student).has('decoder.skip_proj.0.weight'), 'the student has no classifier, so no head skip');
  assert.equal([...noGrad(() => student.feature(image)).shape], [2, tiny.student.featureChannels, h, w]);
  scope.end();
  release(teacher, student);
});

test("a student started from the teacher: the teacher's layers without the classifier, its feature the teacher's until trained, its feature norm frozen", async () => {
  const rt = await testRuntime();
  const config = shapedConfig('tiny', { numClasses: 5, inputHeight: 24, inputWidth: 40, studentStart: 'teacher' });
  const rng = new Random(4);
  const teacher = new Teacher(rt, rng, config);
  const student = new Student(rt, rng, config);
  const names = [...stateSignatures(student).keys()];
  const teacherNames = new Set(stateSignatures(teacher).keys());
  assert.ok(names.every((n) => teacherNames.has(n)), 'every student tensor has a teacher tensor of its name');
  assert.ok(names.includes('encoder.conv3.weight') && names.includes('decoder.conv_last.1.running_var'), "the teacher's deep stem and feature norm");
  assert.not.ok(names.some((n) => n.startsWith('decoder.conv_last.4') || n.startsWith('decoder.skip_')), 'no classifier, no head skip');
  assert.ok(student.decoder.conv_last.layers[1]!.parameters().every((p) => !p.requiresGrad), 'the feature norm learns nothing');
  // A teacher with trained-looking statistics, so that the frozen norm is not the identity.
  const bn = teacher.decoder.conv_last.layers[1]!.stateDict();
  (bn.get('running_mean') as Tensor).write(Float32Array.from({ length: config.teacher.featureChannels }, (_, i) => 0.1 * i - 0.5));
  teacher.eval();
  student.eval();
  const scope = beginScope();
  const image = Tensor.from(rt, Float32Array.from({ length: 2 * 3 * 24 * 40 }, (_, i) => Math.sin(i)), [2, 3, 24, 40]);
  const maxDifference = async (): Promise<number> => {
    const [a, b] = await Promise.all([noGrad(() => teacher.feature(image)).read(), noGrad(() => student.feature(image)).read()]);
    return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
  };
  assert.ok((await maxDifference()) > 0.1, 'before the start, two networks of their own weights');
  student.startFrom(teacher);
  assert.is(await maxDifference(), 0, "after it, the teacher's feature to the bit");
  scope.end();
  const own = new Student(rt, new Random(4), shapedConfig('tiny', { numClasses: 5, inputHeight: 24, inputWidth: 40 }));
  assert.throws(() => own.startFrom(teacher), /has its own layers and starts from random weights/);
  release(teacher, student, own);
});

test.run();
