import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Parameter } from '../src/graph/module';
import { Adam, AdamW, SGD, polyLearningRate, type Optimizer } from '../src/graph/optim';
import { Tensor } from '../src/graph/tensor';
import { compare } from './support/gradcheck';
import { randomArray } from './support/random';
import { testRuntime } from './support/runtime';
import * as ref from './reference/optimizers';

const test = suite('optimizers');
const n = 1037;
const steps = 4;

async function run(make: (p: Parameter) => Optimizer, reference: (p: Float64Array, g: Float64Array, step: number) => void): Promise<string> {
  const rt = await testRuntime();
  const p0 = randomArray(n, 5);
  const param = new Parameter(rt, Float32Array.from(p0), [n]);
  const opt = make(param);
  const want = Float64Array.from(p0);
  for (let step = 1; step <= steps; step++) {
    const g = randomArray(n, 10 + step, -2, 2);
    const grad = Tensor.from(rt, g, [n]);
    param.grad = grad;
    const flag = opt.step();
    assert.is(param.grad, null, 'step clears the grad');
    assert.ok(opt.stepApplied((await flag.read().then((f) => new Uint32Array(f.buffer)))[0]!));
    flag.release();
    grad.release();
    reference(want, g, step);
  }
  const got = await param.read();
  const m = compare(got, want, { atol: 1e-6, rtol: 1e-5 });
  assert.ok(m.ok, `after ${steps} steps: max abs err ${m.maxAbs}`);
  param.release();
  for (const t of opt.state().values()) t.release();
  return `max abs err ${m.maxAbs.toExponential(1)}`;
}

test('SGD with momentum and weight decay matches torch.optim.SGD', async () => {
  const buf = new Float64Array(n);
  console.log(
    'sgd',
    await run(
      (p) => new SGD([{ name: 'w', param: p }], 0.05, 0.9, 1e-3),
      (p, g, step) => ref.sgdStep(p, g, buf, 0.05, 0.9, 1e-3, step === 1),
    ),
  );
});

for (const decoupled of [false, true]) {
  test(`${decoupled ? 'AdamW' : 'Adam'} matches torch.optim`, async () => {
    const m = new Float64Array(n);
    const v = new Float64Array(n);
    const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: 0.05, decoupled };
    console.log(
      decoupled ? 'adamw' : 'adam',
      await run(
        (p) => new (decoupled ? AdamW : Adam)([{ name: 'w', param: p }], h.lr, { weightDecay: h.wd }),
        (p, g, step) => ref.adamStep(p, g, m, v, { ...h, step }),
      ),
    );
  });
}

test('optimizer state is named after the parameter', async () => {
  const rt = await testRuntime();
  const param = new Parameter(rt, new Float32Array(3), [3]);
  const opt = new Adam([{ name: 'conv.weight', param }], 0.1);
  param.grad = Tensor.from(rt, [1, 2, 3], [3]);
  opt.step();
  assert.equal([...opt.state().keys()], ['conv.weight.exp_avg', 'conv.weight.exp_avg_sq']);
  param.release();
  for (const t of opt.state().values()) t.release();
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
    param.release();
    for (const t of opt.state().values()) t.release();
  }
});

test('poly learning rate', () => {
  for (const [it, max] of [[0, 100], [37, 100], [99, 100], [100, 100]] as const) {
    assert.ok(Math.abs(polyLearningRate(0.02, it, max) - ref.polyLearningRate(0.02, it, max, 0.9)) < 1e-15);
  }
});

test.run();
