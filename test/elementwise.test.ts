import { suite } from 'uvu';
import * as ops from '../src/graph/ops';
import { checkOp } from './support/gradcheck';
import { testRuntime } from './support/runtime';
import * as ref from './reference/elementwise';

const test = suite('elementwise ops');

for (const shape of [[1, 3, 5, 7], [3, 2, 9, 13], [70001]]) {
  test(`relu ${shape}`, async () => {
    const rt = await testRuntime();
    console.log(
      await checkOp(rt, {
        name: `relu ${shape}`,
        inputs: [{ shape }],
        outputShape: shape,
        gpu: ([x]) => ops.relu(x!),
        reference: ([x]) => ref.relu(x!),
        referenceGrad: ([x], gy) => [ref.reluGrad(x!, gy)],
      }),
    );
  });

  test(`add, subtract, multiply ${shape}`, async () => {
    const rt = await testRuntime();
    for (const [name, alpha] of [['add', 1], ['subtract', -1]] as const) {
      console.log(
        await checkOp(rt, {
          name: `${name} ${shape}`,
          inputs: [{ shape }, { shape }],
          outputShape: shape,
          gpu: ([a, b]) => (name === 'add' ? ops.add(a!, b!) : ops.subtract(a!, b!)),
          reference: ([a, b]) => ref.addScaled(a!, b!, alpha),
          referenceGrad: (_, gy) => [gy, gy.map((g) => alpha * g)],
        }),
      );
    }
    console.log(
      await checkOp(rt, {
        name: `multiply ${shape}`,
        inputs: [{ shape }, { shape }],
        outputShape: shape,
        gpu: ([a, b]) => ops.multiply(a!, b!),
        reference: ([a, b]) => ref.multiply(a!, b!),
        referenceGrad: ([a, b], gy) => [ref.multiply(gy, b!), ref.multiply(gy, a!)],
      }),
    );
  });
}

test('fan-out accumulates gradients: d/dx relu(x) * x = 2x where x > 0', async () => {
  const rt = await testRuntime();
  const shape = [2, 3, 5];
  console.log(
    await checkOp(rt, {
      name: 'relu(x) * x',
      inputs: [{ shape }],
      outputShape: shape,
      gpu: ([x]) => ops.multiply(ops.relu(x!), x!),
      reference: ([x]) => ref.multiply(ref.relu(x!), x!),
      referenceGrad: ([x], gy) => [gy.map((g, i) => (x![i]! > 0 ? 2 * x![i]! * g : 0))],
    }),
  );
});

test.run();
