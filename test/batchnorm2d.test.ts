import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { GpuRuntime } from '../src/gpu';
import { ShapeError } from '../src/base/shape';
import { Tensor, backward, beginScope, noGrad } from '../src/graph';
import * as ops from '../src/graph/ops';
import { checkOp, compare, type InputSpec, type OpCase } from './support/gradcheck';
import { randomArray } from './support/random';
import { testRuntime } from './support/runtime';
import * as ref from './reference/batchnorm2d';

const test = suite('batchNorm2d');
const eps = 1e-5;

interface Case {
  shape: ref.Shape4;
  affine: boolean;
  training: boolean;
  /** Inputs are offset + uniform noise in [-0.1, 0.1): variance small next to the mean. */
  offset?: number;
  /** Fused after the batch norm: ReLU, and a residual added before it. */
  relu?: boolean;
  residual?: boolean;
  /** Whether the weight and bias are differentiated too (default true). */
  affineGrad?: boolean;
}

const caseName = (k: Case): string =>
  `${k.training ? 'training' : 'eval'} ${k.affine ? `affine${k.affineGrad === false ? ' (fixed)' : ''}` : 'no affine'}${k.residual ? ' + residual' : ''}${k.relu ? ' + relu' : ''} [${k.shape}]${k.offset === undefined ? '' : ` offset ${k.offset}`}`;

function opCase(rt: GpuRuntime, k: Case): OpCase {
  const [, c] = k.shape;
  const x: InputSpec = k.offset === undefined ? { shape: [...k.shape] } : { shape: [...k.shape], lo: k.offset - 0.1, hi: k.offset + 0.1 };
  const affineGrad = k.affineGrad ?? true;
  const affine: InputSpec[] = k.affine ? [{ shape: [c], lo: 0.5, hi: 1.5, grad: affineGrad }, { shape: [c], grad: affineGrad }] : [];
  const center = k.offset ?? 0;
  const running: InputSpec[] = k.training
    ? []
    : [
        { shape: [c], lo: center - 0.05, hi: center + 0.05, grad: false },
        { shape: [c], lo: k.offset === undefined ? 0.3 : 0.002, hi: k.offset === undefined ? 2 : 0.005, grad: false },
      ];
  const residual: InputSpec[] = k.residual ? [{ shape: [...k.shape] }] : [];
  const unpack = <T>(all: T[]) => {
    const xs = k.residual ? all.slice(0, -1) : all;
    const [input, ...rest] = xs;
    const [weight, bias] = k.affine ? rest : [];
    const [mean, variance] = k.affine ? rest.slice(2) : rest;
    return { input: input!, weight: weight ?? null, bias: bias ?? null, mean, variance, residual: k.residual ? all[all.length - 1]! : null };
  };
  const bnReference = (a: ReturnType<typeof unpack<Float64Array>>): Float64Array => {
    const affineRef = { weight: a.weight, bias: a.bias };
    return k.training ? ref.training(a.input, k.shape, affineRef, eps) : ref.normalise(a.input, k.shape, { mean: a.mean!, variance: a.variance! }, affineRef, eps);
  };
  const fused = (a: ReturnType<typeof unpack<Float64Array>>): ref.Fused => ({ residual: a.residual, relu: !!k.relu });
  return {
    name: caseName(k),
    inputs: [x, ...affine, ...running, ...residual],
    outputShape: [...k.shape],
    gpu: (ts) => {
      const t = unpack(ts);
      return ops.batchNorm2d(t.input, {
        weight: t.weight,
        bias: t.bias,
        runningMean: t.mean ?? Tensor.from(rt, new Float32Array(c), [c]),
        runningVar: t.variance ?? Tensor.from(rt, new Float32Array(c).fill(1), [c]),
        training: k.training,
        eps,
        residual: t.residual,
        relu: k.relu,
      });
    },
    reference: (xs) => {
      const a = unpack(xs);
      return ref.fuse(bnReference(a), fused(a));
    },
    referenceGrad: (xs, gy) => {
      const a = unpack(xs);
      const dz = ref.fusedGrad(bnReference(a), fused(a), gy);
      const g = k.training
        ? ref.trainingGrad(a.input, k.shape, a.weight, eps, dz)
        : ref.evalGrad(a.input, k.shape, { mean: a.mean!, variance: a.variance! }, a.weight, eps, dz);
      return [g.dx, ...(k.affine ? [g.dweight, g.dbias] : []), ...running.map(() => null), ...(k.residual ? [dz] : [])];
    },
  };
}

const shapes: ref.Shape4[] = [
  [1, 3, 5, 7],
  [3, 5, 9, 13],
  [2, 17, 1, 1],
  // 3 * 37 * 41 = 4551 values per channel (more than one level-1 chunk of 4096), in 3 planes
  [3, 4, 37, 41],
  // planes of 65 * 70 = 4550 values: two level-1 chunks each
  [2, 2, 65, 70],
  // more values per channel than one level-1 chunk holds on a CPU adapter (32768):
  // two groups of one plane each (planes of 150 * 113, not a multiple of 4) ...
  [2, 2, 150, 113],
  // ... a plane split in two chunks (200 * 180, as vec4s) ...
  [1, 2, 200, 180],
  // ... and groups of two planes, the last one short.
  [3, 2, 100, 120],
];
const cases: Case[] = [];
for (const training of [true, false]) {
  for (const shape of shapes) cases.push({ shape, affine: true, training });
  cases.push({ shape: [1, 3, 5, 7], affine: false, training });
  cases.push({ shape: [3, 4, 37, 41], affine: false, training });
  cases.push({ shape: [3, 4, 37, 41], affine: true, training, offset: 5 });
  cases.push({ shape: [2, 3, 4, 5], affine: false, training, offset: -5 });
  // [3, 3, 41, 37]: 4551 values a channel, where the training backward is one launch on CPU adapters.
  for (const shape of [[3, 5, 9, 13], [2, 3, 4, 6], [3, 3, 41, 37]] as ref.Shape4[]) {
    cases.push({ shape, affine: true, training, relu: true });
    cases.push({ shape, affine: true, training, relu: true, residual: true });
  }
  // Several level-1 chunks per channel. A finite difference of the weight or bias
  // moves all 36000 outputs of a channel, and some cross ReLU's kink: here only
  // the input and the residual are differentiated (through the same sums).
  cases.push({ shape: [3, 2, 100, 120], affine: true, training, relu: true, residual: true, affineGrad: false });
  cases.push({ shape: [2, 3, 5, 7], affine: false, training, residual: true });
}

for (const k of cases) {
  test(caseName(k), async () => {
    const rt = await testRuntime();
    console.log(await checkOp(rt, opCase(rt, k)));
  });
}

test('the training backward takes one launch where a channel is one chunk of at least 4096 values, two below (software adapters, whose chunks are that large)', async () => {
  const rt = await testRuntime();
  if (!rt.adapter.software) return;
  const backwardLaunches = (shape: ref.Shape4): number => {
    const scope = beginScope();
    try {
      const c = shape[1];
      const x = Tensor.from(rt, randomArray(shape.reduce((a, b) => a * b, 1), 21), shape);
      x.requiresGrad = true;
      const y = ops.batchNorm2d(x, { weight: null, bias: null, runningMean: Tensor.from(rt, new Float32Array(c), [c]), runningVar: Tensor.from(rt, new Float32Array(c).fill(1), [c]), training: true });
      const seed = Tensor.from(rt, randomArray(y.size, 22), y.shape);
      const before = rt.dispatchCount;
      backward(y, seed);
      return rt.dispatchCount - before;
    } finally {
      scope.end();
    }
  };
  // 4551 and 351 values a channel, one plane group each.
  assert.is(backwardLaunches([3, 3, 41, 37]), backwardLaunches([3, 3, 9, 13]) - 1);
});

test('running statistics after two training calls match the reference, and eval uses them', async () => {
  const rt = await testRuntime();
  // 2 * 33 * 35 = 2310 values per channel, in 2 planes: level 2 merges 2 partials.
  const shape: ref.Shape4 = [2, 3, 33, 35];
  const [, c] = shape;
  const size = shape.reduce((a, b) => a * b, 1);
  const x1 = randomArray(size, 11, 4.9, 5.1);
  const x2 = randomArray(size, 12, -2, 3);
  const x3 = randomArray(size, 13, 1, 4);
  const weight = randomArray(c, 14, 0.5, 1.5);
  const bias = randomArray(c, 15);
  const start: ref.Statistics = { mean: randomArray(c, 16), variance: randomArray(c, 17, 0.5, 2) };
  for (const momentum of [0.1, 0.3]) {
    const scope = beginScope();
    try {
      const runningMean = Tensor.from(rt, start.mean, [c]);
      const runningVar = Tensor.from(rt, start.variance, [c]);
      const w = Tensor.from(rt, weight, [c]);
      const b = Tensor.from(rt, bias, [c]);
      w.requiresGrad = b.requiresGrad = true;
      const bn = (data: Float64Array, training: boolean): Tensor =>
        ops.batchNorm2d(Tensor.from(rt, data, shape), { weight: w, bias: b, runningMean, runningVar, training, momentum, eps });
      // The backward in between must leave the running statistics alone.
      const y1 = bn(x1, true);
      backward(y1, Tensor.from(rt, randomArray(size, 18), shape));
      noGrad(() => bn(x2, true));
      const want = ref.updateRunning(ref.updateRunning(start, x1, shape, momentum), x2, shape, momentum);
      const tol = { atol: 1e-6, rtol: 1e-5 };
      const mean = compare(await runningMean.read(), want.mean, tol);
      const variance = compare(await runningVar.read(), want.variance, tol);
      assert.ok(mean.ok, `momentum ${momentum}: running mean max abs err ${mean.maxAbs}`);
      assert.ok(variance.ok, `momentum ${momentum}: running var max abs err ${variance.maxAbs}`);

      const y3 = await noGrad(() => bn(x3, false)).read();
      const affine = { weight, bias };
      const evalTol = { atol: 1e-5, rtol: 1e-4 };
      const fromRunning = compare(y3, ref.normalise(x3, shape, want, affine, eps), evalTol);
      assert.ok(fromRunning.ok, `momentum ${momentum}: eval output max abs err ${fromRunning.maxAbs}`);
      assert.not.ok(compare(y3, ref.training(x3, shape, affine, eps), evalTol).ok, 'eval output equals batch-statistics output');
      console.log(
        `running stats momentum ${momentum}: mean abs ${mean.maxAbs.toExponential(1)}, var abs ${variance.maxAbs.toExponential(1)}, eval abs ${fromRunning.maxAbs.toExponential(1)}`,
      );
    } finally {
      scope.end();
    }
  }
});

test('bad shapes throw ShapeError naming batchNorm2d and the shapes, before any dispatch', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  try {
    const t = (shape: number[]): Tensor => Tensor.from(rt, new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
    const ones = (n: number): Tensor => Tensor.from(rt, new Float32Array(n).fill(1), [n]);
    const bad: [string, () => unknown, string[]][] = [
      ['weight channels', () => ops.batchNorm2d(t([1, 3, 5, 7]), { weight: ones(4), bias: ones(3), runningMean: ones(3), runningVar: ones(3), training: true }), ['[4]', '[1, 3, 5, 7]']],
      ['bias channels', () => ops.batchNorm2d(t([2, 3, 4, 4]), { weight: null, bias: ones(2), runningMean: ones(3), runningVar: ones(3), training: false }), ['[2]', '[2, 3, 4, 4]']],
      ['running stats', () => ops.batchNorm2d(t([2, 3, 4, 4]), { weight: null, bias: null, runningMean: ones(3), runningVar: ones(5), training: true }), ['[5]', '[2, 3, 4, 4]']],
      ['3D input', () => ops.batchNorm2d(t([3, 5, 7]), { weight: null, bias: null, runningMean: ones(3), runningVar: ones(3), training: false }), ['[3, 5, 7]']],
      ['one value per channel', () => ops.batchNorm2d(t([1, 3, 1, 1]), { weight: null, bias: null, runningMean: ones(3), runningVar: ones(3), training: true }), ['[1, 3, 1, 1]']],
    ];
    for (const [what, call, mentions] of bad) {
      const before = rt.dispatchCount;
      try {
        call();
        assert.unreachable(`${what}: no error`);
      } catch (error) {
        assert.instance(error, ShapeError, `${what}: ${String(error)}`);
        const message = (error as Error).message;
        assert.ok(message.startsWith('batchNorm2d'), `${what}: ${message}`);
        for (const m of mentions) assert.ok(message.includes(m), `${what}: "${message}" does not name ${m}`);
      }
      assert.is(rt.dispatchCount, before, `${what}: dispatched before throwing`);
    }
  } finally {
    scope.end();
  }
});

test.run();
