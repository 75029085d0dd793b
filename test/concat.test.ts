import { suite } from 'uvu';
import { Tensor, beginScope } from '../src/graph';
import * as ops from '../src/graph/ops';
import { checkOp } from './support/gradcheck';
import { testRuntime } from './support/runtime';
import { assertShapeError } from './support/shapeerror';
import * as ref from './reference/concat';

const test = suite('concatChannels, concatBatch, sliceBatch');

type Shape4 = [number, number, number, number];

const cases: [Shape4[], boolean[]][] = [
  [[[1, 3, 5, 7], [1, 1, 5, 7], [1, 4, 5, 7]], [true, true, true]],
  [[[3, 2, 3, 5], [3, 5, 3, 5]], [true, true]],
  [[[3, 2, 1, 1], [3, 1, 1, 1], [3, 3, 1, 1], [3, 2, 1, 1]], [true, false, true, true]],
  [[[3, 4, 6, 3]], [true]],
];

for (const [shapes, grads] of cases) {
  const name = `concatChannels ${shapes.map((s) => `[${s}]`).join(' ')}${grads.includes(false) ? ' (one input without gradient)' : ''}`;
  test(name, async () => {
    const rt = await testRuntime();
    const [n, , h, w] = shapes[0]!;
    console.log(
      await checkOp(rt, {
        name,
        inputs: shapes.map((shape, k) => ({ shape, grad: grads[k]! })),
        outputShape: [n, shapes.reduce((c, s) => c + s[1], 0), h, w],
        gpu: (xs) => ops.concatChannels(xs),
        reference: (xs) => ref.concatChannels(xs, shapes),
        referenceGrad: (_, gy) => ref.concatChannelsGrad(shapes, gy),
        forwardTol: { atol: 0, rtol: 0 },
      }),
    );
  });
}

const batchCases: [Shape4[], boolean[]][] = [
  [[[1, 3, 5, 7], [2, 3, 5, 7], [1, 3, 5, 7]], [true, true, true]],
  [[[3, 2, 1, 1], [1, 2, 1, 1]], [false, true]],
  [[[2, 5, 3, 2]], [true]],
];

for (const [shapes, grads] of batchCases) {
  const name = `concatBatch ${shapes.map((s) => `[${s}]`).join(' ')}${grads.includes(false) ? ' (one input without gradient)' : ''}`;
  test(name, async () => {
    const rt = await testRuntime();
    const [, c, h, w] = shapes[0]!;
    console.log(
      await checkOp(rt, {
        name,
        inputs: shapes.map((shape, k) => ({ shape, grad: grads[k]! })),
        outputShape: [shapes.reduce((n, s) => n + s[0], 0), c, h, w],
        gpu: (xs) => ops.concatBatch(xs),
        reference: (xs) => ref.concatBatch(xs),
        referenceGrad: (_, gy) => ref.concatBatchGrad(shapes.map((s) => s[0] * s[1] * s[2] * s[3]), gy),
        forwardTol: { atol: 0, rtol: 0 },
      }),
    );
  });
}

const sliceCases: [Shape4, number, number][] = [
  [[5, 3, 4, 7], 1, 3],
  [[3, 2, 3, 1], 0, 1],
  [[3, 2, 3, 1], 2, 1],
  [[2, 4, 1, 3], 0, 2],
];

for (const [shape, start, count] of sliceCases) {
  const name = `sliceBatch [${shape}] samples ${start}..${start + count - 1}`;
  test(name, async () => {
    const rt = await testRuntime();
    const [n, c, h, w] = shape;
    console.log(
      await checkOp(rt, {
        name,
        inputs: [{ shape }],
        outputShape: [count, c, h, w],
        gpu: ([x]) => ops.sliceBatch(x!, start, count),
        reference: ([x]) => ref.sliceBatch(x!, c * h * w, start, count),
        referenceGrad: (_, gy) => [ref.sliceBatchGrad(n * c * h * w, c * h * w, start, gy)],
        forwardTol: { atol: 0, rtol: 0 },
      }),
    );
  });
}

test('concatBatch and sliceBatch: mismatched inputs and ranges outside the batch throw ShapeError', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  try {
    const a = Tensor.from(rt, new Float32Array(2 * 3 * 4), [1, 2, 3, 4]);
    const b = Tensor.from(rt, new Float32Array(3 * 3 * 4), [1, 3, 3, 4]);
    const flat = Tensor.from(rt, new Float32Array(12), [1, 12]);
    assertShapeError(rt, 'concatBatch', [[1, 2, 3, 4], [1, 3, 3, 4]], () => ops.concatBatch([a, b]));
    assertShapeError(rt, 'concatBatch', [[1, 12]], () => ops.concatBatch([flat]));
    assertShapeError(rt, 'concatBatch', [], () => ops.concatBatch([]));
    assertShapeError(rt, 'sliceBatch', [[1, 2, 3, 4]], () => ops.sliceBatch(a, 1, 1));
    assertShapeError(rt, 'sliceBatch', [[1, 2, 3, 4]], () => ops.sliceBatch(a, 0, 0));
  } finally {
    scope.end();
  }
});

test('concatChannels: mismatched or missing inputs throw ShapeError', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  try {
    const a = Tensor.from(rt, new Float32Array(2 * 3 * 4), [1, 2, 3, 4]);
    const b = Tensor.from(rt, new Float32Array(2 * 3 * 5), [1, 2, 3, 5]);
    const c = Tensor.from(rt, new Float32Array(2 * 2 * 3 * 4), [2, 2, 3, 4]);
    const flat = Tensor.from(rt, new Float32Array(12), [1, 12]);
    assertShapeError(rt, 'concatChannels', [[1, 2, 3, 4], [1, 2, 3, 5]], () => ops.concatChannels([a, b]));
    assertShapeError(rt, 'concatChannels', [[1, 2, 3, 4], [2, 2, 3, 4]], () => ops.concatChannels([a, a, c]));
    assertShapeError(rt, 'concatChannels', [[1, 12]], () => ops.concatChannels([a, flat]));
    assertShapeError(rt, 'concatChannels', [], () => ops.concatChannels([]));
  } finally {
    scope.end();
  }
});

test.run();
