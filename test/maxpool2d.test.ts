import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor, backward, beginScope, noGrad } from '../src/graph';
import * as ops from '../src/graph/ops';
import { checkOp, compare } from './support/gradcheck';
import { rng } from './support/random';
import { testRuntime } from './support/runtime';
import { assertShapeError } from './support/shapeerror';
import * as ref from './reference/maxpool2d';

const test = suite('maxPool2d');

type Shape4 = [number, number, number, number];

/** Distinct values (a shuffled even grid over [lo, hi)), so that no finite-difference step changes an argmax. */
function distinct(n: number, seed: number, lo: number, hi: number): Float64Array {
  const r = rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return Float64Array.from(order, (k) => Math.fround(lo + ((hi - lo) * (k + 0.5)) / n));
}

const cases: [Shape4, ref.MaxPool2dOptions, string][] = [
  [[1, 3, 9, 11], { kernel: 3, stride: 2, padding: 1 }, 'ResNet stem'],
  [[3, 2, 8, 7], { kernel: 2, stride: 2, padding: 0 }, ''],
  [[1, 2, 7, 10], { kernel: 3, stride: 1, padding: 1 }, ''],
  [[3, 1, 13, 9], { kernel: 5, stride: 3, padding: 2 }, ''],
  [[1, 2, 10, 9], { kernel: 4, stride: 3, padding: 2 }, 'even kernel'],
  [[1, 2, 9, 8], { kernel: 2, stride: 3, padding: 1 }, 'stride over kernel skips inputs'],
  [[1, 1, 1, 1], { kernel: 1, stride: 1, padding: 0 }, '1x1 input'],
  [[3, 2, 5, 6], { kernel: 3, stride: 2, padding: 1 }, 'all negative: padding is -inf, not 0'],
];

for (const [shape, o, note] of cases) {
  const name = `maxPool2d ${shape} k${o.kernel} s${o.stride} p${o.padding}${note ? ` (${note})` : ''}`;
  test(name, async () => {
    const rt = await testRuntime();
    const negative = note.startsWith('all negative');
    const data = distinct(shape.reduce((a, b) => a * b, 1), 5, negative ? -2 : -1, negative ? -1 : 1);
    console.log(
      await checkOp(rt, {
        name,
        inputs: [{ shape, data }],
        outputShape: ref.maxPool2dShape(shape, o),
        gpu: ([x]) => ops.maxPool2d(x!, o),
        reference: ([x]) => ref.maxPool2d(x!, shape, o),
        referenceGrad: ([x], gy) => [ref.maxPool2dGrad(x!, shape, o, gy)],
        forwardTol: { atol: 0, rtol: 0 },
      }),
    );
  });
}

test('maxPool2d ties: the gradient goes to the first maximum, overlapping windows sum', async () => {
  const rt = await testRuntime();
  const shape: Shape4 = [3, 2, 9, 7];
  const o = { kernel: 3, stride: 1, padding: 1 };
  const r = rng(11);
  const x = Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(r() * 3));
  const gy = Float64Array.from({ length: ref.maxPool2dShape(shape, o).reduce((a, b) => a * b, 1) }, () => Math.fround(r() - 0.5));
  const scope = beginScope();
  try {
    const t = Tensor.from(rt, x, shape);
    t.requiresGrad = true;
    const y = ops.maxPool2d(t, o);
    backward(y, Tensor.from(rt, gy, y.shape));
    assert.ok(compare(await y.read(), ref.maxPool2d(x, shape, o), { atol: 0, rtol: 0 }).ok, 'forward');
    const grad = compare(await t.grad!.read(), ref.maxPool2dGrad(x, shape, o, gy), { atol: 1e-6, rtol: 1e-6 });
    assert.ok(grad.ok, `gradient: max abs err ${grad.maxAbs} at [${grad.worst}]`);
  } finally {
    scope.end();
  }
});

test('maxPool2d without gradient (inference entry point) matches the reference', async () => {
  const rt = await testRuntime();
  const shape: Shape4 = [3, 3, 11, 9];
  const o = { kernel: 3, stride: 2, padding: 1 };
  const x = distinct(shape.reduce((a, b) => a * b, 1), 3, -1, 1);
  const scope = beginScope();
  try {
    const y = noGrad(() => ops.maxPool2d(Tensor.from(rt, x, shape), o));
    assert.is(y.node, null);
    assert.ok(compare(await y.read(), ref.maxPool2d(x, shape, o), { atol: 0, rtol: 0 }).ok);
  } finally {
    scope.end();
  }
});

test('maxPool2d: bad shapes and options throw ShapeError', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  try {
    const flat = Tensor.from(rt, new Float32Array(30), [2, 3, 5]);
    assertShapeError(rt, 'maxPool2d', [[2, 3, 5]], () => ops.maxPool2d(flat, { kernel: 3, stride: 2, padding: 1 }));
    const x = Tensor.from(rt, new Float32Array(2 * 4 * 3), [1, 2, 4, 3]);
    assertShapeError(rt, 'maxPool2d', [[1, 2, 4, 3]], () => ops.maxPool2d(x, { kernel: 3, stride: 1, padding: 2 }));
    assertShapeError(rt, 'maxPool2d', [[1, 2, 4, 3], [1, 2, 1, 0]], () => ops.maxPool2d(x, { kernel: 4, stride: 1, padding: 0 }));
    assertShapeError(rt, 'maxPool2d', [[1, 2, 4, 3]], () => ops.maxPool2d(x, { kernel: 2, stride: 0, padding: 0 }));
  } finally {
    scope.end();
  }
});

test.run();
