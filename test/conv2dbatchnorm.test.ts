// conv2d then batch norm (then a residual and ReLU). conv2dBatchNormEval, the
// inference op (running statistics folded into one conv launch): its forward
// is checked against the float64 references of the ops it replaces, and it
// refuses to run where a gradient would be needed. conv2dBatchNorm, the
// training op (batch statistics from the conv's epilogue): checkOp against the
// composed references and finite differences, and against the unfused layers.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuError } from '../src/gpu/errors';
import { Tensor, backward, beginScope, noGrad } from '../src/graph';
import { BatchNorm2d, Conv2d, convBn } from '../src/graph/nn';
import * as ops from '../src/graph/ops';
import { Random } from '../src/base/random';
import { conv2dOutputSize, type Conv2dGeometry } from '../src/kernels/conv2d';
import type { Tiling } from '../src/kernels/rowblocking';
import { checkOp, compare, type InputSpec } from './support/gradcheck';
import { randomArray } from './support/random';
import { testRuntime } from './support/runtime';
import { updateRunning, type Shape4 } from './reference/batchnorm2d';
import { conv2d as convReference } from './reference/conv2d';
import * as ref from './reference/conv2dbatchnorm';

const test = suite('conv2dBatchNorm');
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

interface TrainingCase extends Case {
  /** The conv bias drawn around this value, the weights small: outputs like 5 + small noise, where E[z^2] - E[z]^2 cancels. */
  offset?: number;
}

const trainingCases: TrainingCase[] = [
  // 429 output pixels: one chunk of the epilogue (512 pixels on the blocked tilings)
  { g: geometry(3, 5, 13, 11, 7, 3, 1, 1, 1), convBias: false, affine: true, residual: true, relu: true },
  // 713 pixels, batch 1: two chunks, the last one short
  { g: geometry(1, 3, 31, 23, 5, 3, 1, 1, 1), convBias: false, affine: true, residual: false, relu: true },
  { g: geometry(3, 6, 9, 7, 13, 1, 1, 0, 1), convBias: true, affine: false, residual: false, relu: false },
  // 33 output channels: more than one block of rows; dilated, strided
  { g: geometry(3, 17, 11, 13, 33, 3, 1, 2, 2), convBias: false, affine: true, residual: true, relu: false },
  { g: geometry(3, 7, 15, 17, 6, 3, 2, 1, 1), convBias: false, affine: true, residual: false, relu: true },
  // 5400 pixels in 11 chunks, around 5
  { g: geometry(3, 2, 40, 45, 3, 3, 1, 1, 1), convBias: true, affine: true, residual: false, relu: false, offset: 5 },
];

for (const tiling of ['blocked', 'blocked-uniform', 'tiled'] as Tiling[]) {
  for (const k of trainingCases) {
    test(`training ${tiling} ${describe(k)}${k.offset ? ` offset ${k.offset}` : ''}`, async () => {
      const rt = await testRuntime();
      const { g } = k;
      const { ho, wo } = conv2dOutputSize(g);
      const outShape: Shape4 = [g.n, g.cOut, ho, wo];
      const smallWeights = k.offset === undefined ? {} : { lo: -0.05, hi: 0.05 };
      const inputs: InputSpec[] = [
        { shape: [g.n, g.cIn, g.h, g.w] },
        { shape: [g.cOut, g.cIn, g.kh, g.kw], ...smallWeights },
        // Batch norm removes the conv bias: its gradient is 0, on the GPU a float32
        // sum of terms that cancel (the unfused conv2d's too), checked only near 0.
        ...(k.convBias ? [{ shape: [g.cOut], lo: (k.offset ?? 0) - 0.1, hi: (k.offset ?? 0) + 0.1, grad: k.offset === undefined }] : []),
        ...(k.affine ? [{ shape: [g.cOut], lo: 0.5, hi: 1.5 }, { shape: [g.cOut] }] : []),
        ...(k.residual ? [{ shape: [...outShape] }] : []),
      ];
      const unpack = <T>(all: T[]) => {
        let i = 2;
        const convBias = k.convBias ? all[i++]! : null;
        const [bnWeight, bnBias] = k.affine ? [all[i++]!, all[i++]!] : [null, null];
        return { x: all[0]!, weight: all[1]!, convBias, bnWeight, bnBias, residual: k.residual ? all[i]! : null };
      };
      const reference = (xs: Float64Array[]) => {
        const a = unpack(xs);
        return { a, args: [a.x, a.weight, a.convBias, g, outShape, { weight: a.bnWeight, bias: a.bnBias }, eps, { residual: a.residual, relu: k.relu }] as const };
      };
      console.log(
        await checkOp(rt, {
          name: `training ${tiling} ${describe(k)}`,
          inputs,
          outputShape: [...outShape],
          gpu: (ts) => {
            const t = unpack(ts);
            const c = t.weight.shape[0]!;
            return ops.conv2dBatchNorm(t.x, {
              conv: { weight: t.weight, bias: t.convBias, stride: g.stride, padding: g.padding, dilation: g.dilation, tiling },
              bn: { weight: t.bnWeight, bias: t.bnBias, runningMean: Tensor.from(rt, new Float32Array(c), [c]), runningVar: Tensor.from(rt, new Float32Array(c).fill(1), [c]), eps },
              residual: t.residual,
              relu: k.relu,
            });
          },
          reference: (xs) => ref.conv2dBatchNorm(...reference(xs).args),
          referenceGrad: (xs, gy) => {
            const { a, args } = reference(xs);
            const d = ref.conv2dBatchNormGrad(...args, gy);
            return [d.dx, d.dweight, ...(a.convBias ? [d.dconvBias] : []), ...(k.affine ? [d.dbnWeight, d.dbnBias] : []), ...(k.residual ? [d.dresidual] : [])];
          },
          forwardTol: { atol: 1e-4, rtol: 1e-3 },
          fdSamples: 12,
        }),
      );
    });
  }
}

test('training: the fused op against conv2d + batchNorm2d (outputs, running statistics, gradients), both against float64', async () => {
  const rt = await testRuntime();
  // A model shape (the tiny teacher's layer1 at batch 4): 15 chunks of 512 pixels; outputs around 3.
  const g = geometry(4, 16, 24, 40, 24, 3, 1, 1, 1);
  const { ho, wo } = conv2dOutputSize(g);
  const outShape: Shape4 = [g.n, g.cOut, ho, wo];
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const x = randomArray(size([g.n, g.cIn, g.h, g.w]), 21, 0, 1);
  const w = randomArray(size([g.cOut, g.cIn, g.kh, g.kw]), 22, -0.05, 0.1);
  const gamma = randomArray(g.cOut, 23, 0.5, 1.5);
  const beta = randomArray(g.cOut, 24);
  const residual = randomArray(size(outShape), 25);
  const gy = randomArray(size(outShape), 26);
  const start = { mean: randomArray(g.cOut, 27), variance: randomArray(g.cOut, 28, 0.5, 2) };
  // Momentum 1: the running statistics become the batch's mean and unbiased variance, compared directly.
  const momentum = 1;
  const affine = { weight: gamma, bias: beta };
  const fusedRef = { residual, relu: true };
  const want = ref.conv2dBatchNorm(x, w, null, g, outShape, affine, eps, fusedRef);
  const wantGrad = ref.conv2dBatchNormGrad(x, w, null, g, outShape, affine, eps, fusedRef, gy);
  const wantRunning = updateRunning(start, convReference(x, w, null, g), outShape, momentum);
  const run = async (fusedOp: boolean) => {
    const scope = beginScope();
    try {
      const t = (data: Float64Array, shape: readonly number[], grad = false) => {
        const tensor = Tensor.from(rt, data, shape);
        tensor.requiresGrad = grad;
        return tensor;
      };
      const input = t(x, [g.n, g.cIn, g.h, g.w], true);
      const weight = t(w, [g.cOut, g.cIn, g.kh, g.kw], true);
      const bnWeight = t(gamma, [g.cOut], true);
      const bnBias = t(beta, [g.cOut], true);
      const runningMean = t(start.mean, [g.cOut]);
      const runningVar = t(start.variance, [g.cOut]);
      const res = t(residual, outShape, true);
      const bn = { weight: bnWeight, bias: bnBias, runningMean, runningVar, momentum, eps };
      const y = fusedOp
        ? ops.conv2dBatchNorm(input, { conv: { weight, bias: null, padding: 1 }, bn, residual: res, relu: true })
        : ops.batchNorm2d(ops.conv2d(input, weight, null, { padding: 1 }), { ...bn, training: true, residual: res, relu: true });
      backward(y, t(gy, outShape));
      const read = (tensor: Tensor | null) => tensor!.read();
      return {
        y: await y.read(),
        runningMean: await runningMean.read(),
        runningVar: await runningVar.read(),
        dx: await read(input.grad),
        dweight: await read(weight.grad),
        dbnWeight: await read(bnWeight.grad),
        dbnBias: await read(bnBias.grad),
        dresidual: await read(res.grad),
      };
    } finally {
      scope.end();
    }
  };
  const fused = await run(true);
  const layers = await run(false);
  const wants: Record<keyof typeof fused, Float64Array> = { ...wantGrad, y: want, runningMean: wantRunning.mean, runningVar: wantRunning.variance };
  const tol = { atol: 1e-4, rtol: 1e-3 };
  const lines: string[] = [];
  for (const key of Object.keys(fused) as (keyof typeof fused)[]) {
    const scale = Math.max(...wants[key].map(Math.abs));
    const vsFloat64 = compare(fused[key], wants[key], { atol: tol.atol * Math.max(1, scale), rtol: tol.rtol });
    const layersVsFloat64 = compare(layers[key], wants[key], tol);
    const vsLayers = compare(fused[key], layers[key], tol);
    assert.ok(vsFloat64.ok, `${key}: fused against float64, max abs err ${vsFloat64.maxAbs}`);
    assert.ok(vsLayers.ok, `${key}: fused against conv2d + batchNorm2d, max abs err ${vsLayers.maxAbs}`);
    lines.push(`${key} (max |value| ${scale.toPrecision(2)}): fused vs float64 ${vsFloat64.maxAbs.toExponential(1)} (relative ${vsFloat64.maxRel.toExponential(1)}), layers vs float64 ${layersVsFloat64.maxAbs.toExponential(1)} (relative ${layersVsFloat64.maxRel.toExponential(1)}), fused vs layers ${vsLayers.maxAbs.toExponential(1)}`);
  }
  console.log(lines.join('\n'));
});

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
