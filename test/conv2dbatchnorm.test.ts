// conv2dBatchNormEval: conv2d then batch norm on running statistics (then a
// residual and ReLU) as one folded conv launch. An inference op: its forward is
// checked against the float64 references of the ops it replaces (their
// gradients keep their own tests, and the op refuses to run where a gradient
// would be needed); convBn picks it only in eval mode without gradients.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuError } from '../src/gpu/errors';
import { Tensor, beginScope, noGrad } from '../src/graph';
import { BatchNorm2d, Conv2d, convBn } from '../src/graph/nn';
import * as ops from '../src/graph/ops';
import { Random } from '../src/base/random';
import { conv2dOutputSize, type Conv2dGeometry } from '../src/kernels/conv2d';
import type { Tiling } from '../src/kernels/rowblocking';
import { compare } from './support/gradcheck';
import { randomArray } from './support/random';
import { testRuntime } from './support/runtime';
import type { Shape4 } from './reference/batchnorm2d';
import * as ref from './reference/conv2dbatchnorm';

const test = suite('conv2dBatchNormEval');
const eps = 1e-5;

interface Case {
  g: Conv2dGeometry;
  convBias: boolean;
  affine: boolean;
  residual: boolean;
  relu: boolean;
}

const geometry = (n: number, cIn: number, h: number, w: number, cOut: number, k: number, stride: number, padding: number, dilation: number): Conv2dGeometry =>
  ({ n, cIn, h, w, cOut, kh: k, kw: k, stride, padding, dilation });

const cases: Case[] = [
  { g: geometry(3, 5, 13, 11, 7, 3, 1, 1, 1), convBias: false, affine: true, residual: true, relu: true },
  { g: geometry(2, 3, 9, 7, 5, 3, 2, 1, 1), convBias: false, affine: true, residual: false, relu: true },
  { g: geometry(1, 17, 7, 9, 33, 3, 1, 2, 2), convBias: true, affine: true, residual: true, relu: false },
  { g: geometry(3, 6, 5, 7, 3, 1, 1, 0, 1), convBias: true, affine: false, residual: false, relu: false },
];

const describe = (k: Case): string =>
  `n${k.g.n} c${k.g.cIn}->${k.g.cOut} ${k.g.h}x${k.g.w} k${k.g.kh} s${k.g.stride} d${k.g.dilation}${k.convBias ? ' conv bias' : ''}${k.affine ? '' : ' no affine'}${k.residual ? ' + residual' : ''}${k.relu ? ' + relu' : ''}`;

for (const tiling of ['blocked', 'tiled'] as Tiling[]) {
  for (const k of cases) {
    test(`${tiling} ${describe(k)}`, async () => {
      const rt = await testRuntime();
      const { g } = k;
      const { ho, wo } = conv2dOutputSize(g);
      const outShape: Shape4 = [g.n, g.cOut, ho, wo];
      const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
      const x = randomArray(size([g.n, g.cIn, g.h, g.w]), 1);
      const w = randomArray(size([g.cOut, g.cIn, g.kh, g.kw]), 2);
      const b = k.convBias ? randomArray(g.cOut, 3) : null;
      const gamma = k.affine ? randomArray(g.cOut, 4, 0.5, 1.5) : null;
      const beta = k.affine ? randomArray(g.cOut, 5) : null;
      const stats = { mean: randomArray(g.cOut, 6, -0.3, 0.3), variance: randomArray(g.cOut, 7, 0.5, 3) };
      const residual = k.residual ? randomArray(size(outShape), 8) : null;
      const want = ref.conv2dBatchNormEval(x, w, b, g, outShape, stats, { weight: gamma, bias: beta }, eps, { residual, relu: k.relu });
      const scope = beginScope();
      try {
        const t = (data: Float64Array | null, shape: readonly number[]) => (data ? Tensor.from(rt, data, shape) : null);
        const y = ops.conv2dBatchNormEval(t(x, [g.n, g.cIn, g.h, g.w])!, {
          conv: { weight: t(w, [g.cOut, g.cIn, g.kh, g.kw])!, bias: t(b, [g.cOut]), stride: g.stride, padding: g.padding, dilation: g.dilation, tiling },
          bn: { weight: t(gamma, [g.cOut]), bias: t(beta, [g.cOut]), runningMean: t(stats.mean, [g.cOut])!, runningVar: t(stats.variance, [g.cOut])!, eps },
          residual: t(residual, outShape),
          relu: k.relu,
        });
        assert.equal([...y.shape], [...outShape]);
        const m = compare(await y.read(), want, { atol: 1e-4, rtol: 1e-3 });
        assert.ok(m.ok, `max abs err ${m.maxAbs}, worst at ${m.worst}`);
        console.log(`${tiling} ${describe(k)}: fwd abs ${m.maxAbs.toExponential(1)}`);
      } finally {
        scope.end();
      }
    });
  }
}

test('convBn folds in eval mode without gradients, runs the two layers otherwise; the op refuses to run where a gradient is needed', async () => {
  const rt = await testRuntime();
  const rng = new Random(3);
  const conv = new Conv2d(rt, rng, 4, 6, 3, { padding: 1 });
  const bn = new BatchNorm2d(rt, 6);
  bn.running_mean.write(randomArray(6, 9, -0.5, 0.5));
  bn.running_var.write(randomArray(6, 10, 0.5, 2));
  bn.weight!.write(randomArray(6, 11, 0.5, 1.5));
  const scope = beginScope();
  try {
    const x = Tensor.from(rt, randomArray(2 * 4 * 5 * 7, 12), [2, 4, 5, 7]);
    const residual = Tensor.from(rt, randomArray(2 * 6 * 5 * 7, 13), [2, 6, 5, 7]);
    bn.eval();
    const layers = () => bn.forward(conv.forward(x), { residual, relu: true });
    const before = rt.dispatchCount;
    const folded = noGrad(() => convBn(conv, bn, x, { residual, relu: true }));
    assert.is(rt.dispatchCount - before, 2, 'eval without gradients: the fold and one conv launch');
    const unfused = noGrad(layers);
    const m = compare(await folded.read(), await unfused.read(), { atol: 1e-5, rtol: 1e-4 });
    assert.ok(m.ok, `folded against conv2d + batchNorm2d: max abs err ${m.maxAbs}`);
    const withGrad = convBn(conv, bn, x, { residual, relu: true });
    assert.ok(withGrad.requiresGrad && withGrad.node?.op === 'batchNorm2d', 'with gradients: the two layers, recorded');
    assert.throws(
      () => ops.conv2dBatchNormEval(x, { conv: { weight: conv.weight, bias: null, padding: 1 }, bn: { weight: bn.weight, bias: bn.bias, runningMean: bn.running_mean, runningVar: bn.running_var } }),
      (e: unknown) => e instanceof GpuError && /records no gradient/.test(String(e)),
    );
  } finally {
    scope.end();
    bn.train();
  }
});

test.run();
