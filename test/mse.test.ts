import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor, beginScope } from '../src/graph';
import * as ops from '../src/graph/ops';
import { checkOp } from './support/gradcheck';
import { testRuntime } from './support/runtime';
import * as ref from './reference/mse';

const test = suite('mse');

// 70001 elements take two reduction passes.
for (const [shape, range] of [[[1], 1], [[3, 5, 7, 9], 1], [[1, 19, 13, 11], 30], [[70001], 2]] as const) {
  test(`mse ${shape} values ±${range}`, async () => {
    const rt = await testRuntime();
    console.log(
      await checkOp(rt, {
        name: `mse ${shape} ±${range}`,
        inputs: [{ shape: [...shape], lo: -range, hi: range }, { shape: [...shape], lo: -range, hi: range }],
        outputShape: [1],
        gpu: ([a, b]) => ops.mse(a!, b!),
        reference: ([a, b]) => ref.mse(a!, b!),
        referenceGrad: ([a, b], g) => ref.mseGrad(a!, b!, g),
      }),
    );
  });
}

test('mse with a frozen target: only the prediction gets a gradient', async () => {
  const rt = await testRuntime();
  const shape = [3, 13, 5, 3];
  console.log(
    await checkOp(rt, {
      name: 'mse frozen target [3, 13, 5, 3]',
      inputs: [{ shape }, { shape, grad: false }],
      outputShape: [1],
      gpu: ([a, b]) => {
        const loss = ops.mse(a!, b!);
        assert.equal(b!.grad, null);
        return loss;
      },
      reference: ([a, b]) => ref.mse(a!, b!),
      referenceGrad: ([a, b], g) => [ref.mseGrad(a!, b!, g)[0], null],
    }),
  );
});

test('mse: different shapes throw ShapeError naming the op and both shapes', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  assert.throws(
    () => ops.mse(Tensor.empty(rt, [2, 3, 4]), Tensor.empty(rt, [2, 4, 3])),
    (e: Error) => e.name === 'ShapeError' && e.message.startsWith('mse:') && e.message.includes('[2, 3, 4] and [2, 4, 3]'),
  );
  scope.end();
});

test.run();
