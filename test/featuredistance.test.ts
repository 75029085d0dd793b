import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor, beginScope } from '../src/graph';
import * as ops from '../src/graph/ops';
import { checkOp } from './support/gradcheck';
import { testRuntime } from './support/runtime';
import * as ref from './reference/featuredistance';

const test = suite('feature distance');

const cases = [
  { n: 1, c: 1, h: 3, w: 5, range: 1 },
  { n: 3, c: 5, h: 7, w: 9, range: 1 },
  { n: 1, c: 13, h: 11, w: 13, range: 30 },
  { n: 3, c: 19, h: 5, w: 7, range: 2 },
];

for (const k of cases) {
  const d = { n: k.n, c: k.c, h: k.h, w: k.w };
  const shape = [k.n, k.c, k.h, k.w];
  const name = `featureDistance N${k.n} C${k.c} ${k.h}x${k.w} ±${k.range}`;
  test(name, async () => {
    const rt = await testRuntime();
    console.log(
      await checkOp(rt, {
        name,
        inputs: [{ shape, lo: -k.range, hi: k.range }, { shape, lo: -k.range, hi: k.range }],
        outputShape: [k.n, 1, k.h, k.w],
        gpu: ([a, b]) => ops.featureDistance(a!, b!),
        reference: ([a, b]) => ref.featureDistance(a!, b!, d),
        referenceGrad: ([a, b], g) => ref.featureDistanceGrad(a!, b!, d, g),
      }),
    );
  });
}

test('featureDistance: mismatched or non-NCHW shapes throw ShapeError naming the op and both shapes', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  for (const [a, b] of [[[2, 5, 4, 4], [2, 6, 4, 4]], [[2, 5, 4, 4], [2, 5, 4]], [[5, 4, 4], [5, 4, 4]]]) {
    assert.throws(
      () => ops.featureDistance(Tensor.empty(rt, a!), Tensor.empty(rt, b!)),
      (e: Error) => e.name === 'ShapeError' && e.message.startsWith('featureDistance:') && e.message.includes(`[${a!.join(', ')}] and [${b!.join(', ')}]`),
    );
  }
  scope.end();
});

test.run();
