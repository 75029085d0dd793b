import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../src/base/random';
import { Tensor, backward, beginScope } from '../src/graph';
import { dropout } from '../src/graph/ops/dropout';
import { checkOp } from './support/gradcheck';
import { testRuntime } from './support/runtime';
import * as ref from './reference/dropout';

const test = suite('dropout');

test('drops about p of the elements, scales the rest, and the backward uses the same mask', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  const n = 20011;
  const x = Tensor.from(rt, Float32Array.from({ length: n }, (_, i) => 1 + (i % 7)), [n]);
  x.requiresGrad = true;
  const p = 0.3;
  const y = dropout(x, p, true, new Random(4));
  backward(y, Tensor.from(rt, new Float32Array(n).fill(1), [n]));
  const [xv, yv, gv] = [await x.read(), await y.read(), await x.grad!.read()];
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    if (yv[i] === 0) {
      dropped++;
      assert.is(gv[i], 0, `grad where dropped, at ${i}`);
    } else {
      assert.ok(Math.abs(yv[i]! - xv[i]! / (1 - p)) < 1e-5, `kept value scaled at ${i}`);
      assert.ok(Math.abs(gv[i]! - 1 / (1 - p)) < 1e-6, `grad scaled at ${i}`);
    }
  }
  const rate = dropped / n;
  console.log(`dropout p=${p}: dropped ${(rate * 100).toFixed(2)}% of ${n}`);
  assert.ok(Math.abs(rate - p) < 0.015, `drop rate ${rate}`);
  scope.end();
});

test('the same seed gives the same mask; eval mode is the identity', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  const x = Tensor.from(rt, new Float32Array(999).fill(2), [999]);
  const a = await dropout(x, 0.5, true, new Random(9)).read();
  const b = await dropout(x, 0.5, true, new Random(9)).read();
  const c = await dropout(x, 0.5, true, new Random(10)).read();
  assert.equal(a, b);
  assert.not.equal(a, c);
  assert.is(dropout(x, 0.5, false, new Random(9)), x);
  scope.end();
});

for (const [shape, perChannel] of [[[1, 3, 5, 7], false], [[3, 4, 9, 13], true]] as const) {
  test(`dropout ${shape}${perChannel ? ' per channel' : ''} against the float64 reference and finite differences`, async () => {
    const rt = await testRuntime();
    const p = 0.4;
    const seed = new Random(21).nextUint32();
    const group = perChannel ? shape[2] * shape[3] : 1;
    console.log(
      await checkOp(rt, {
        name: `dropout ${shape}`,
        inputs: [{ shape: [...shape] }],
        outputShape: [...shape],
        gpu: ([x]) => dropout(x!, p, true, new Random(21), perChannel),
        reference: ([x]) => ref.dropout(x!, seed, 1 - p, group),
        referenceGrad: (_, gy) => [ref.dropoutGrad(gy, seed, 1 - p, group)],
      }),
    );
  });
}

test('per-channel dropout zeroes whole channels', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  const [n, c, hw] = [3, 40, 7 * 5];
  const x = Tensor.from(rt, new Float32Array(n * c * hw).fill(1), [n, c, 7, 5]);
  const y = await dropout(x, 0.5, true, new Random(3), true).read();
  let droppedChannels = 0;
  for (let ch = 0; ch < n * c; ch++) {
    const values = new Set(y.subarray(ch * hw, (ch + 1) * hw));
    assert.is(values.size, 1, `channel ${ch} is all kept or all dropped`);
    if (values.has(0)) droppedChannels++;
  }
  assert.ok(droppedChannels > 30 && droppedChannels < 90, `dropped ${droppedChannels} of ${n * c} channels`);
  scope.end();
});

test.run();
