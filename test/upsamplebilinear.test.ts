import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor, backward, beginScope } from '../src/graph';
import * as ops from '../src/graph/ops';
import { checkOp, compare } from './support/gradcheck';
import { testRuntime } from './support/runtime';
import { assertShapeError } from './support/shapeerror';
import * as ref from './reference/upsamplebilinear';

const test = suite('upsampleBilinear');

type Shape4 = [number, number, number, number];

const cases: [Shape4, number, number, string][] = [
  [[1, 2, 5, 7], 11, 16, 'upsample'],
  [[1, 2, 12, 20], 97, 160, 'feature to label size, x8'],
  [[3, 2, 9, 6], 4, 3, 'downsample'],
  [[1, 1, 13, 11], 4, 3, 'downsample by over 3'],
  [[3, 1, 7, 8], 8, 5, 'up in H, down in W'],
  [[1, 3, 1, 1], 5, 4, '1x1 input'],
  [[1, 2, 6, 5], 1, 1, 'output 1x1'],
  [[3, 2, 4, 5], 4, 5, 'same size'],
  [[2, 3, 2, 3], 70, 101, 'over 32 output rows and columns reach an input: the backward passes over blocks of weights'],
];

for (const [shape, oh, ow, note] of cases) {
  for (const alignCorners of [false, true]) {
    const name = `upsampleBilinear ${shape} to ${oh}x${ow} align_corners ${alignCorners} (${note})`;
    test(name, async () => {
      const rt = await testRuntime();
      console.log(
        await checkOp(rt, {
          name,
          inputs: [{ shape }],
          outputShape: [shape[0], shape[1], oh, ow],
          gpu: ([x]) => ops.upsampleBilinear(x!, oh, ow, { alignCorners }),
          reference: ([x]) => ref.upsampleBilinear(x!, shape, oh, ow, alignCorners),
          referenceGrad: (_, gy) => [ref.upsampleBilinearGrad(shape, oh, ow, alignCorners, gy)],
        }),
      );
    });
  }
}

// Worked out by hand. align_corners false, 2 -> 4: source = max((dst + 0.5) / 2 - 0.5, 0)
// = 0, 0.25, 0.75, 1.25, so each output row (and column) weighs the inputs
// (1, 0), (0.75, 0.25), (0.25, 0.75), (0, 1) (the last clamps i1 to the edge).
// On [[1, 2], [3, 4]] the rows are [1, 1.25, 1.75, 2] and [3, 3.25, 3.75, 4] mixed by those weights.
// align_corners true, 2 -> 4: source = dst / 3, exact on the linear ramp 1 + x + 2y.
const handCases: [boolean, number[], number[]][] = [
  [
    false,
    [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4],
    // gradient with gy = 1 at output (1, 1) only: the input weights 0.75^2, 0.75 * 0.25, 0.25 * 0.75, 0.25^2.
    [0.5625, 0.1875, 0.1875, 0.0625],
  ],
  [
    true,
    [1, 4 / 3, 5 / 3, 2, 5 / 3, 2, 7 / 3, 8 / 3, 7 / 3, 8 / 3, 3, 10 / 3, 3, 10 / 3, 11 / 3, 4],
    // output (1, 1) sits at source (1/3, 1/3): weights (2/3)^2, 2/3 * 1/3, 1/3 * 2/3, (1/3)^2.
    [4 / 9, 2 / 9, 2 / 9, 1 / 9],
  ],
];

for (const [alignCorners, forward, grad] of handCases) {
  test(`upsampleBilinear [[1, 2], [3, 4]] to 4x4 align_corners ${alignCorners}: values worked out by hand`, async () => {
    const rt = await testRuntime();
    const shape: Shape4 = [1, 1, 2, 2];
    const x = Float64Array.from([1, 2, 3, 4]);
    const gy = new Float64Array(16);
    gy[5] = 1;
    const tol = { atol: 1e-6, rtol: 1e-6 };
    assert.ok(compare(ref.upsampleBilinear(x, shape, 4, 4, alignCorners), forward, tol).ok, 'reference forward');
    assert.ok(compare(ref.upsampleBilinearGrad(shape, 4, 4, alignCorners, gy), grad, tol).ok, 'reference gradient');
    const scope = beginScope();
    try {
      const t = Tensor.from(rt, x, shape);
      t.requiresGrad = true;
      const y = ops.upsampleBilinear(t, 4, 4, { alignCorners });
      backward(y, Tensor.from(rt, gy, y.shape));
      const got = await y.read();
      assert.ok(compare(got, forward, tol).ok, `GPU forward ${[...got]}`);
      const gotGrad = await t.grad!.read();
      assert.ok(compare(gotGrad, grad, tol).ok, `GPU gradient ${[...gotGrad]}`);
    } finally {
      scope.end();
    }
  });
}

test('upsampleBilinear: bad shapes and sizes throw ShapeError', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  try {
    const flat = Tensor.from(rt, new Float32Array(12), [1, 3, 4]);
    assertShapeError(rt, 'upsampleBilinear', [[1, 3, 4]], () => ops.upsampleBilinear(flat, 8, 8, { alignCorners: false }));
    const x = Tensor.from(rt, new Float32Array(12), [1, 3, 2, 2]);
    assertShapeError(rt, 'upsampleBilinear', [[1, 3, 2, 2]], () => ops.upsampleBilinear(x, 4, 0, { alignCorners: true }));
  } finally {
    scope.end();
  }
});

test.run();
