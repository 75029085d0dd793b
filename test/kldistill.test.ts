import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor, beginScope } from '../src/graph';
import * as ops from '../src/graph/ops';
import { checkOp } from './support/gradcheck';
import { testRuntime } from './support/runtime';
import * as ref from './reference/kldistill';

const test = suite('KL distillation');

const cases = [
  { n: 1, c: 1, h: 3, w: 5, temperature: 1, range: 1 },
  { n: 3, c: 5, h: 7, w: 9, temperature: 1, range: 3 },
  { n: 1, c: 13, h: 11, w: 13, temperature: 4, range: 30 },
  { n: 3, c: 19, h: 5, w: 7, temperature: 4, range: 2 },
  { n: 1, c: 19, h: 9, w: 31, temperature: 1, range: 30 },
];

for (const k of cases) {
  const d = { n: k.n, c: k.c, h: k.h, w: k.w };
  const shape = [k.n, k.c, k.h, k.w];
  const inputs = [
    { shape, lo: -k.range, hi: k.range },
    { shape, lo: -k.range, hi: k.range },
  ];
  const about = `N${k.n} C${k.c} ${k.h}x${k.w} T${k.temperature} features ±${k.range}`;

  test(`klDistill ${about}`, async () => {
    const rt = await testRuntime();
    console.log(
      await checkOp(rt, {
        name: `klDistill ${about}`,
        inputs,
        outputShape: [1],
        gpu: ([s, t]) => ops.klDistill(s!, t!, k.temperature),
        reference: ([s, t]) => ref.klDistill(s!, t!, d, k.temperature),
        referenceGrad: ([s, t], g) => ref.klDistillGrad(s!, t!, d, k.temperature, g),
      }),
    );
  });

  test(`klDistance ${about}`, async () => {
    const rt = await testRuntime();
    console.log(
      await checkOp(rt, {
        name: `klDistance ${about}`,
        inputs,
        outputShape: [k.n, 1, k.h, k.w],
        gpu: ([s, t]) => ops.klDistance(s!, t!, k.temperature),
        reference: ([s, t]) => ref.klDistance(s!, t!, d, k.temperature),
        referenceGrad: ([s, t], g) => ref.klDistanceGrad(s!, t!, d, k.temperature, g),
      }),
    );
  });
}

test('klDistill with a frozen teacher: the student alone gets a gradient', async () => {
  const rt = await testRuntime();
  const d = { n: 3, c: 13, h: 5, w: 3 };
  const shape = [3, 13, 5, 3];
  console.log(
    await checkOp(rt, {
      name: 'klDistill frozen teacher N3 C13 5x3 T4',
      inputs: [{ shape, lo: -5, hi: 5 }, { shape, lo: -5, hi: 5, grad: false }],
      outputShape: [1],
      gpu: ([s, t]) => {
        const loss = ops.klDistill(s!, t!, 4);
        assert.equal(t!.grad, null);
        return loss;
      },
      reference: ([s, t]) => ref.klDistill(s!, t!, d, 4),
      referenceGrad: ([s, t], g) => [ref.klDistillGrad(s!, t!, d, 4, g)[0], null],
    }),
  );
});

test('klDistill and klDistance: mismatched shapes throw ShapeError naming the op and both shapes', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  const pairs = [
    [[2, 5, 4, 4], [2, 5, 4, 3]],
    [[2, 5, 4, 4], [1, 5, 4, 4]],
    [[5, 4, 4], [5, 4, 4]],
  ];
  for (const [a, b] of pairs) {
    const s = Tensor.empty(rt, a!);
    const t = Tensor.empty(rt, b!);
    for (const [op, run] of [['klDistill', () => ops.klDistill(s, t, 1)], ['klDistance', () => ops.klDistance(s, t, 1)]] as const) {
      assert.throws(run, (e: Error) => e.name === 'ShapeError' && e.message.startsWith(`${op}:`) && e.message.includes(`[${a!.join(', ')}] and [${b!.join(', ')}]`));
    }
  }
  const x = Tensor.empty(rt, [1, 2, 3, 3]);
  assert.throws(() => ops.klDistill(x, x, 0), /klDistill: temperature must be positive/);
  scope.end();
});

test.run();
