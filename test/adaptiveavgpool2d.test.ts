import { suite } from 'uvu';
import { Tensor, beginScope } from '../src/graph';
import * as ops from '../src/graph/ops';
import { checkOp } from './support/gradcheck';
import { testRuntime } from './support/runtime';
import { assertShapeError } from './support/shapeerror';
import * as ref from './reference/adaptiveavgpool2d';

const test = suite('adaptiveAvgPool2d');

type Shape4 = [number, number, number, number];

const cases: [Shape4, [number, number][]][] = [
  [[1, 3, 7, 9], [[1, 1], [2, 2], [3, 3], [6, 6]]],
  [[3, 2, 13, 11], [[1, 1], [2, 2], [3, 3], [6, 6]]],
  [[1, 2, 5, 5], [[3, 3], [6, 6], [2, 4]]],
  [[1, 1, 1, 1], [[1, 1], [2, 3]]],
];

for (const [shape, outs] of cases) {
  test(`adaptiveAvgPool2d ${shape} to ${outs.map(([h, w]) => `${h}x${w}`).join(', ')}`, async () => {
    const rt = await testRuntime();
    for (const [oh, ow] of outs) {
      console.log(
        await checkOp(rt, {
          name: `adaptiveAvgPool2d ${shape} to ${oh}x${ow}`,
          inputs: [{ shape }],
          outputShape: [shape[0], shape[1], oh, ow],
          gpu: ([x]) => ops.adaptiveAvgPool2d(x!, oh, ow),
          reference: ([x]) => ref.adaptiveAvgPool2d(x!, shape, oh, ow),
          referenceGrad: (_, gy) => [ref.adaptiveAvgPool2dGrad(shape, oh, ow, gy)],
        }),
      );
    }
  });
}

test('adaptiveAvgPool2d: bad shapes and sizes throw ShapeError', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  try {
    const flat = Tensor.from(rt, new Float32Array(12), [3, 4]);
    assertShapeError(rt, 'adaptiveAvgPool2d', [[3, 4]], () => ops.adaptiveAvgPool2d(flat, 1, 1));
    const x = Tensor.from(rt, new Float32Array(12), [1, 3, 2, 2]);
    assertShapeError(rt, 'adaptiveAvgPool2d', [[1, 3, 2, 2]], () => ops.adaptiveAvgPool2d(x, 0, 2));
  } finally {
    scope.end();
  }
});

test.run();
