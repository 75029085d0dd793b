import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { GpuBuffer } from '../src/gpu';
import { Parameter } from '../src/graph/module';
import { Adam, AdamW, SGD, layOut, polyLearningRate, type NamedParameter, type Optimizer } from '../src/graph/optim';
import { Tensor } from '../src/graph/tensor';
import { fill } from '../src/kernels/elementwise';
import { checkFinite, finiteFlag } from '../src/kernels/finite';
import { adamStep, sgdStep } from '../src/kernels/optimizers';
import { compare } from './support/gradcheck';
import { randomArray } from './support/random';
import { testRuntime } from './support/runtime';
import * as ref from './reference/optimizers';

const test = suite('optimizers');
// Odd sizes, none a multiple of the binding alignment, so the parameters lie in their arena with padding between them.
const sizes = [1037, 5, 130, 1, 13];
const steps = 4;

async function run(make: (p: readonly NamedParameter[]) => Optimizer, reference: (i: number, p: Float64Array, g: Float64Array, step: number) => void): Promise<string> {
  const rt = await testRuntime();
  const p0 = sizes.map((n, i) => randomArray(n, 5 + i));
  const params = sizes.map((n, i) => new Parameter(rt, Float32Array.from(p0[i]!), [n]));
  const opt = make(params.map((param, i) => ({ name: `w${i}`, param })));
  const want = p0.map((p) => Float64Array.from(p));
  for (let step = 1; step <= steps; step++) {
    const g = sizes.map((n, i) => randomArray(n, 10 * step + i, -2, 2));
    const grads = sizes.map((n, i) => Tensor.from(rt, g[i]!, [n]));
    params.forEach((p, i) => (p.grad = grads[i]!));
    const flag = opt.step();
    assert.ok(params.every((p) => p.grad === null), 'step clears the grads');
    assert.ok(opt.stepApplied((await flag.read().then((f) => new Uint32Array(f.buffer)))[0]!));
    flag.release();
    for (const t of grads) t.release();
    want.forEach((w, i) => reference(i, w, g[i]!, step));
  }
  let worst = 0;
  for (const [i, param] of params.entries()) {
    const m = compare(await param.read(), want[i]!, { atol: 1e-6, rtol: 1e-5 });
    assert.ok(m.ok, `parameter ${i} (${sizes[i]} values) after ${steps} steps: max abs err ${m.maxAbs}`);
    worst = Math.max(worst, m.maxAbs);
  }
  opt.release();
  return `max abs err ${worst.toExponential(1)}`;
}

test('SGD with momentum and weight decay matches torch.optim.SGD', async () => {
  const bufs = sizes.map((n) => new Float64Array(n));
  console.log(
    'sgd',
    await run(
      (p) => new SGD(p, 0.05, 0.9, 1e-3),
      (i, p, g, step) => ref.sgdStep(p, g, bufs[i]!, 0.05, 0.9, 1e-3, step === 1),
    ),
  );
});

for (const decoupled of [false, true]) {
  test(`${decoupled ? 'AdamW' : 'Adam'} matches torch.optim`, async () => {
    const m = sizes.map((n) => new Float64Array(n));
    const v = sizes.map((n) => new Float64Array(n));
    const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: 0.05, decoupled };
    console.log(
      decoupled ? 'adamw' : 'adam',
      await run(
        (p) => new (decoupled ? AdamW : Adam)(p, h.lr, { weightDecay: h.wd }),
        (i, p, g, step) => ref.adamStep(p, g, m[i]!, v[i]!, { ...h, step }),
      ),
    );
  });
}

test('tensors laid out in arenas: each at the alignment, a new arena where the next would pass the limit', () => {
  assert.equal(layOut([5, 3, 8, 1], 4, 12), [
    { arena: 0, start: 0, length: 5 },
    { arena: 0, start: 8, length: 3 },
    { arena: 1, start: 0, length: 8 },
    { arena: 1, start: 8, length: 1 },
  ]);
  assert.equal(layOut([3, 20, 2], 4, 12), [
    { arena: 0, start: 0, length: 3 },
    { arena: 1, start: 0, length: 20 },
    { arena: 2, start: 0, length: 2 },
  ]);
});

// The update of one launch per parameter, as the optimizers ran before their arenas: the kernels on each parameter's own buffers.
function perParameterStep(opt: Optimizer, own: readonly { param: GpuBuffer; slots: GpuBuffer[] }[], grads: readonly (Tensor | null)[]): void {
  const rt = opt.params[0]!.param.rt;
  const flag = finiteFlag(rt);
  grads.forEach((g, i) => g && checkFinite(rt, g.buffer, sizes[i]!, flag));
  grads.forEach((g, i) => {
    if (!g) return;
    const { param, slots } = own[i]!;
    if (opt instanceof SGD) sgdStep(rt, param, g.buffer, slots[0]!, sizes[i]!, { lr: opt.lr, momentum: opt.momentum, weightDecay: opt.weightDecay }, flag);
    else if (opt instanceof Adam) {
      const { lr, beta1, beta2, eps, weightDecay } = opt;
      adamStep(rt, param, g.buffer, slots[0]!, slots[1]!, sizes[i]!, { lr, beta1, beta2, eps, weightDecay, decoupled: opt instanceof AdamW, step: opt.stepCount }, flag);
    }
  });
  rt.pool.release(flag);
}

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

test('one launch per run of parameters gives the bits of one launch per parameter, parameters without a gradient left alone', async () => {
  const rt = await testRuntime();
  const optimizers: [string, (p: readonly NamedParameter[]) => Optimizer, string[]][] = [
    ['SGD', (p) => new SGD(p, 0.05, 0.9, 1e-3), ['momentum_buffer']],
    ['Adam', (p) => new Adam(p, 0.01, { weightDecay: 0.05 }), ['exp_avg', 'exp_avg_sq']],
    ['AdamW', (p) => new AdamW(p, 0.01), ['exp_avg', 'exp_avg_sq']],
  ];
  for (const [label, make, kinds] of optimizers) {
    const p0 = sizes.map((n, i) => Float32Array.from(randomArray(n, 20 + i)));
    const params = sizes.map((n, i) => new Parameter(rt, p0[i]!, [n]));
    const opt = make(params.map((param, i) => ({ name: `w${i}`, param })));
    const own = sizes.map((n, i) => ({ param: rt.upload(p0[i]!), slots: kinds.map(() => fill(rt, n, 0, rt.pool.acquire(n * 4))) }));
    for (let step = 1; step <= 6; step++) {
      // Steps 2 and 4 leave out a parameter in the middle and the first: the runs split.
      const grads = sizes.map((n, i) => ((step === 2 && i === 2) || (step === 4 && i === 0) ? null : Tensor.from(rt, randomArray(n, 100 * step + i, -2, 2), [n])));
      opt.lr = polyLearningRate(opt instanceof SGD ? 0.05 : 0.01, step, 10);
      params.forEach((p, i) => (p.grad = grads[i]!));
      const flag = opt.step();
      perParameterStep(opt, own, grads);
      assert.ok(opt.stepApplied(new Uint32Array((await flag.read()).buffer)[0]!));
      flag.release();
      for (const g of grads) g?.release();
    }
    for (const [i, param] of params.entries()) {
      assert.equal(bits(await param.read()), bits(await rt.readFloat32(own[i]!.param, sizes[i])), `${label}: parameter ${i}`);
      for (const [k, kind] of kinds.entries()) {
        assert.equal(bits(await opt.state().get(`w${i}.${kind}`)!.read()), bits(await rt.readFloat32(own[i]!.slots[k]!, sizes[i])), `${label}: w${i}.${kind}`);
      }
    }
    opt.release();
    for (const o of own) for (const b of [o.param, ...o.slots]) rt.pool.release(b);
  }
});

test('release: its parameters and state throw when used after, a parameter a newer optimizer took over stays usable', async () => {
  const rt = await testRuntime();
  const kept = new Parameter(rt, Float32Array.from([1, 2, 3]), [3]);
  const dropped = new Parameter(rt, Float32Array.from([4, 5]), [2]);
  const old = new Adam([{ name: 'kept', param: kept }], 0.1);
  const alone = new SGD([{ name: 'dropped', param: dropped }], 0.1);
  const fresh = new Adam([{ name: 'kept', param: kept }], 0.1);
  old.release();
  assert.equal(Array.from(await kept.read()), [1, 2, 3], 'moved into the newer optimizer before the old one went');
  const momentum = alone.state().get('dropped.momentum_buffer')!;
  alone.release();
  assert.throws(() => dropped.buffer, /used after/);
  assert.throws(() => momentum.buffer, /used after/);
  fresh.release();
});

test('optimizer state is named after the parameter', async () => {
  const rt = await testRuntime();
  const param = new Parameter(rt, new Float32Array(3), [3]);
  const opt = new Adam([{ name: 'conv.weight', param }], 0.1);
  param.grad = Tensor.from(rt, [1, 2, 3], [3]);
  opt.step();
  assert.equal([...opt.state().keys()], ['conv.weight.exp_avg', 'conv.weight.exp_avg_sq']);
  opt.release();
});

test('a NaN or Inf in the loss or a gradient leaves parameters and state untouched', async () => {
  const rt = await testRuntime();
  const p0 = randomArray(64, 3);
  for (const [where, bad] of [['gradient', NaN], ['gradient', Infinity], ['loss', NaN]] as const) {
    const param = new Parameter(rt, Float32Array.from(p0), [64]);
    const opt = new Adam([{ name: 'w', param }], 0.1);
    param.grad = Tensor.from(rt, randomArray(64, 4), [64]);
    assert.ok(opt.stepApplied(new Uint32Array((await opt.step().read()).buffer)[0]!), 'a finite step is applied');
    const before = await param.read();
    const g = randomArray(64, 5);
    if (where === 'gradient') g[17] = bad;
    param.grad = Tensor.from(rt, g, [64]);
    const loss = Tensor.from(rt, [where === 'loss' ? bad : 0.5], [1]);
    const flag = new Uint32Array((await opt.step(loss).read()).buffer)[0]!;
    assert.is(flag, 0, `${bad} in the ${where} clears the flag`);
    assert.not.ok(opt.stepApplied(flag));
    assert.is(opt.stepCount, 1, 'the skipped step does not count');
    assert.equal(await param.read(), before, `${bad} in the ${where}: parameters unchanged`);
    const m = await opt.state().get('w.exp_avg')!.read();
    assert.ok(m.every(Number.isFinite), 'moments unchanged and finite');
    opt.release();
  }
});

test('poly learning rate', () => {
  for (const [it, max] of [[0, 100], [37, 100], [99, 100], [100, 100]] as const) {
    assert.ok(Math.abs(polyLearningRate(0.02, it, max) - ref.polyLearningRate(0.02, it, max, 0.9)) < 1e-15);
  }
});

test.run();
