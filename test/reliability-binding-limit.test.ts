// Tensors larger than one storage binding (maxStorageBufferBindingSize, 128 MiB
// on lavapipe). The paper configuration's largest tensor is the pyramid
// concatenation before the decoder's last conv: [N, 4096, 64, 112] in the
// teacher, 117 MB a sample, 235 MB at batch 2, the smallest batch the batch
// norms train with. The decoder builds and convolves it a few samples at a time
// where the whole batch's would not fit, so the paper configuration's steps fit
// the binding limit at batch 2; the result is the same as in one piece. Over
// the limit, the advice gives the bytes a sample and the batch that fits.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IGNORE_LABEL } from '../src/base/labels';
import { Random } from '../src/base/random';
import { failureMessage } from '../src/cli/failure';
import { defaults } from '../src/cli/options';
import { BindingSizeError } from '../src/gpu/errors';
import { createNodeRuntime } from '../src/gpu/node';
import type { GpuBuffer, GpuRuntime } from '../src/gpu';
import { Tensor, backward, beginScope } from '../src/graph';
import { Adam, SGD } from '../src/graph/optim';
import { paper } from '../src/model/config';
import { NonFiniteLossError } from '../src/model/errors';
import { Student, Teacher } from '../src/model/networks';
import { PyramidPoolingDecoder } from '../src/model/ppm';
import { distillStep, teacherStep } from '../src/model/steps';
import { compare } from './support/gradcheck';
import { testRuntime } from './support/runtime';

const test = suite('reliability: storage binding limit');

test('the pyramid conv a few samples at a time equals the conv in one piece, forward and backward', async () => {
  const rt = await testRuntime();
  const decoder = new PyramidPoolingDecoder(rt, new Random(3), { inChannels: 6, ppmChannels: 3, featureChannels: 5, poolScales: [1, 2, 3], numClasses: null });
  decoder.train();
  const [n, c, h, w] = [3, 6, 5, 7];
  const input = Float32Array.from({ length: n * c * h * w }, (_, i) => Math.sin(i * 0.7));
  const seed = Float32Array.from({ length: n * 5 * h * w }, (_, i) => Math.cos(i * 0.3));
  const bytesPerSample = (6 + 3 * 3) * h * w * 4;
  const run = async (maxBindingBytes: number) => {
    const scope = beginScope();
    try {
      const x = Tensor.from(rt, input, [n, c, h, w]);
      x.requiresGrad = true;
      const y = decoder.convFeature(x, maxBindingBytes);
      backward(y, Tensor.from(rt, seed, y.shape));
      const grads = decoder.namedParameters().map(([name, p]) => [name, p.grad!] as const);
      const values = { y: await y.read(), dx: await x.grad!.read(), ...Object.fromEntries(await Promise.all(grads.map(async ([name, g]) => [name, await g.read()] as const))) };
      for (const [, p] of decoder.namedParameters()) p.grad = null;
      return values;
    } finally {
      scope.end();
    }
  };
  const whole = await run(Number.MAX_SAFE_INTEGER);
  for (const samples of [1, 2]) {
    const grouped = await run(bytesPerSample * samples + 4);
    for (const [name, want] of Object.entries(whole)) {
      const got = grouped[name as keyof typeof grouped]!;
      const result = compare(got, want, { atol: 1e-6, rtol: 1e-5 });
      assert.ok(result.ok, `${samples} sample(s) a piece: ${name} differs by ${result.maxAbs}`);
    }
  }
});

/**
 * Runs `record` with kernels and buffers replaced by stand-ins: every tensor is
 * sized and checked against the adapter's limit as usual, but nothing is
 * allocated or computed (a paper step here takes minutes and gigabytes). The
 * largest binding asked for, and what asked.
 */
async function sizesOnly(record: (rt: GpuRuntime) => Promise<void>): Promise<{ bytes: number; what: string; limit: number }> {
  const rt = await createNodeRuntime();
  try {
    const limit = rt.limits.maxStorageBufferBindingSize;
    const realAcquire = rt.pool.acquire.bind(rt.pool);
    const standIn = realAcquire(256, 'a stand-in');
    let ids = 1e9;
    const largest = { bytes: 0, what: '', limit };
    rt.pool.acquire = (bytes: number, what = 'a tensor'): GpuBuffer => {
      if (bytes > largest.bytes) Object.assign(largest, { bytes, what });
      // Over the limit, the pool's own refusal.
      return bytes > limit ? realAcquire(bytes, what) : { ...standIn, bytes, capacity: 0, id: ids++ };
    };
    rt.dispatch = () => undefined;
    rt.write = () => undefined;
    rt.copy = () => undefined;
    await record(rt);
    return largest;
  } finally {
    rt.destroy();
  }
}

/** The loss and update flag read back from stand-ins mean nothing: a step ends in a number or this error. */
const meaningless = (error: unknown) => {
  if (!(error instanceof NonFiniteLossError)) throw error;
};

test('the paper configuration: a teacher step and a distillation step at batch 2 fit the storage binding limit', async () => {
  const [h, w] = [paper.inputHeight, paper.inputWidth];
  const batch = { size: 2, height: h, width: w, images: new Float32Array(2 * 3 * h * w), labels: new Int32Array(2 * h * w).fill(IGNORE_LABEL) };
  const largest = await sizesOnly(async (rt) => {
    const rng = new Random(1);
    const teacher = new Teacher(rt, rng, paper);
    const student = new Student(rt, rng, paper);
    teacher.train();
    await teacherStep(teacher, new SGD(teacher.namedParameters().map(([name, param]) => ({ name, param })), 0.01, 0.9, 1e-4), batch, 0).catch(meaningless);
    teacher.freeze().eval();
    student.train();
    await distillStep(teacher, student, new Adam(student.namedParameters().map(([name, param]) => ({ name, param })), 1e-3), batch, 0, 'kl', 1).catch(meaningless);
  });
  console.log(`  largest storage binding of the paper configuration at batch 2: ${largest.bytes} bytes (${largest.what}), limit ${largest.limit}`);
  assert.ok(largest.bytes <= largest.limit);
  assert.ok(largest.bytes >= (2048 * 64 * 112 * 4) * 2, 'the teacher\'s encoder map at batch 2 was among the tensors sized');
});

test('a batch over the limit: the advice gives the bytes a sample and the largest batch that fits, or says none does', async () => {
  const [h, w] = [paper.inputHeight, paper.inputWidth];
  const o = { ...defaults, config: 'paper' as const, batchSize: 3 };
  let error: unknown = null;
  await sizesOnly(async (rt) => {
    const teacher = new Teacher(rt, new Random(1), paper).train();
    const batch = { size: 3, height: h, width: w, images: new Float32Array(3 * 3 * h * w), labels: new Int32Array(3 * h * w).fill(IGNORE_LABEL) };
    error = await teacherStep(teacher, new SGD(teacher.namedParameters().map(([name, param]) => ({ name, param })), 0.01), batch, 0).then(() => null, (e: unknown) => e);
  });
  assert.instance(error, BindingSizeError, String(error));
  const { bytes, limit } = error as unknown as BindingSizeError;
  const context = { options: o, checkpoint: null, resumeCommand: '', adapter: '' };
  const advice = failureMessage(error, context) ?? '';
  console.log(`  paper at batch 3:\n    ${advice.replace(/\n/g, '\n    ')}`);
  assert.match(advice, `needs a storage binding of ${bytes} bytes, over the adapter's maxStorageBufferBindingSize of ${limit} bytes`);
  assert.match(advice, `does not fit this GPU at batch 3: lower --batch to ${Math.floor(limit / (bytes / 3))} or less; that tensor holds ${bytes / 3} bytes a sample (its size at batch 1) and the adapter binds at most ${limit} bytes.`);

  const tooBig = new BindingSizeError(2 * (limit + 8), limit, 'a channel concatenation');
  const none = failureMessage(tooBig, { ...context, options: { ...o, batchSize: 2 } }) ?? '';
  assert.match(none, `No batch size fits this GPU: that tensor holds ${limit + 8} bytes a sample (its size at batch 1) and the adapter binds at most ${limit} bytes, room for 0 samples; training needs batches of 2 or more: use --config tiny`);
});

test.run();
