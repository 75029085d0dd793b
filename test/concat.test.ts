import { suite } from 'uvu';
import { Tensor, beginScope } from '../src/graph';
import * as ops from '../src/graph/ops';
import { checkOp } from './support/gradcheck';
import { testRuntime } from './support/runtime';
import { assertShapeError } from './support/shapeerror';
import * as ref from './reference/concat';

const test = suite('concatChannels');

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
