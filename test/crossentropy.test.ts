import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LabelMap, LabelRangeError, Tensor, beginScope } from '../src/graph';
import * as ops from '../src/graph/ops';
import { checkOp } from './support/gradcheck';
import { rng } from './support/random';
import { testRuntime } from './support/runtime';
import * as ref from './reference/crossentropy';

const test = suite('cross-entropy');

/** Labels in [0, c), with about a fifth set to `ignoreIndex` and some out of range (-1, c, 1000). */
function makeLabels(count: number, c: number, ignoreIndex: number, seed: number, outOfRange: boolean): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: count }, () => {
    const u = r();
    if (u < 0.2) return ignoreIndex;
    if (outOfRange && u < 0.26) return [-1, c, 1000][Math.floor(r() * 3)]!;
    return Math.floor(r() * c);
  });
}

interface Case {
  n: number;
  c: number;
  h: number;
  w: number;
  range: number;
  ignoreIndex: number;
  outOfRange: boolean;
  allIgnored?: boolean;
}

const cases: Case[] = [
  { n: 1, c: 1, h: 3, w: 5, range: 1, ignoreIndex: 255, outOfRange: false },
  { n: 3, c: 5, h: 7, w: 9, range: 3, ignoreIndex: 255, outOfRange: true },
  { n: 1, c: 13, h: 11, w: 13, range: 30, ignoreIndex: 255, outOfRange: false },
  { n: 3, c: 19, h: 5, w: 7, range: 30, ignoreIndex: -100, outOfRange: true },
  { n: 1, c: 19, h: 9, w: 31, range: 2, ignoreIndex: 255, outOfRange: false },
  { n: 3, c: 5, h: 3, w: 3, range: 1, ignoreIndex: 255, outOfRange: false, allIgnored: true },
];

for (const k of cases) {
  const name = `crossEntropy N${k.n} C${k.c} ${k.h}x${k.w} logits ±${k.range} ignore ${k.ignoreIndex}${k.outOfRange ? ' with out-of-range labels' : ''}${k.allIgnored ? ' all ignored' : ''}`;
  test(name, async () => {
    const rt = await testRuntime();
    const pixels = k.n * k.h * k.w;
    const labels = k.allIgnored ? new Int32Array(pixels).fill(k.ignoreIndex) : makeLabels(pixels, k.c, k.ignoreIndex, k.c * 31 + k.n, k.outOfRange);
    const d = { n: k.n, c: k.c, h: k.h, w: k.w };
    console.log(
      await checkOp(rt, {
        name,
        inputs: [{ shape: [k.n, k.c, k.h, k.w], lo: -k.range, hi: k.range }],
        outputShape: [1],
        gpu: ([x]) => ops.crossEntropy(x!, LabelMap.from(rt, labels, [k.n, k.h, k.w]), k.ignoreIndex),
        reference: ([x]) => ref.crossEntropy(x!, labels, d, k.ignoreIndex),
        referenceGrad: ([x], g) => [ref.crossEntropyGrad(x!, labels, d, k.ignoreIndex, g)],
      }),
    );
  });
}

for (const k of [cases[1]!, cases[2]!, cases[3]!]) {
  const name = `crossEntropy with class weights N${k.n} C${k.c} ${k.h}x${k.w} ignore ${k.ignoreIndex}`;
  test(name, async () => {
    const rt = await testRuntime();
    const labels = makeLabels(k.n * k.h * k.w, k.c, k.ignoreIndex, k.c * 17 + k.n, k.outOfRange);
    const r = rng(k.c);
    // Weights from 0.1 to 10, one class at 0 (counted nowhere), as the training's capped class weights can be.
    const weights = Float64Array.from({ length: k.c }, (_, i) => (i === 1 ? 0 : 0.1 + 9.9 * r()));
    const d = { n: k.n, c: k.c, h: k.h, w: k.w };
    const scope = beginScope();
    const w = Tensor.from(rt, Float32Array.from(weights), [k.c]);
    console.log(
      await checkOp(rt, {
        name,
        inputs: [{ shape: [k.n, k.c, k.h, k.w], lo: -k.range, hi: k.range }],
        outputShape: [1],
        gpu: ([x]) => ops.crossEntropy(x!, LabelMap.from(rt, labels, [k.n, k.h, k.w]), k.ignoreIndex, w),
        reference: ([x]) => ref.crossEntropy(x!, labels, d, k.ignoreIndex, Float64Array.from(Float32Array.from(weights))),
        referenceGrad: ([x], g) => [ref.crossEntropyGrad(x!, labels, d, k.ignoreIndex, g, Float64Array.from(Float32Array.from(weights)))],
      }),
    );
    scope.end();
  });
}

test('crossEntropy: class weights of the wrong length throw ShapeError naming both shapes', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  const logits = Tensor.empty(rt, [1, 5, 2, 2]);
  const labels = LabelMap.from(rt, new Int32Array(4), [1, 2, 2]);
  assert.throws(
    () => ops.crossEntropy(logits, labels, 255, Tensor.from(rt, [1, 1, 1], [3])),
    (e: Error) => e.name === 'ShapeError' && e.message.includes('class weights [3]') && e.message.includes('[1, 5, 2, 2]'),
  );
  scope.end();
});

test('crossEntropy: with every pixel ignored the loss is exactly 0', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  const logits = Tensor.from(rt, Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => Math.sin(i) * 20), [2, 3, 4, 5]);
  const loss = ops.crossEntropy(logits, LabelMap.from(rt, new Int32Array(2 * 4 * 5).fill(255), [2, 4, 5]));
  assert.equal([...(await loss.read())], [0]);
  scope.end();
});

test('crossEntropy: labels that do not match the logits throw ShapeError naming both shapes', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  const logits = Tensor.empty(rt, [2, 5, 4, 4]);
  for (const shape of [[2, 4, 3], [1, 4, 4], [2, 1, 4, 4]]) {
    const labels = LabelMap.from(rt, new Int32Array(shape.reduce((a, b) => a * b, 1)), shape);
    assert.throws(
      () => ops.crossEntropy(logits, labels),
      (e: Error) => e.name === 'ShapeError' && e.message.startsWith('crossEntropy:') && e.message.includes('[2, 5, 4, 4]') && e.message.includes(`[${shape.join(', ')}]`),
    );
  }
  scope.end();
});

test('LabelMap.from with a class range names the first bad label', async () => {
  const rt = await testRuntime();
  const data = Int32Array.of(0, 4, 255, 7, -3);
  assert.throws(() => LabelMap.from(rt, data, [1, 1, 5], { classes: 5 }), (e: Error) => e instanceof LabelRangeError && /value 7 at sample 0, row 0, column 3 \(index 3\)/.test(e.message) && /\[0, 5\)/.test(e.message));
  assert.throws(() => LabelMap.from(rt, data, [1, 1, 5], { classes: 8, ignoreIndex: 0 }), (e: Error) => /value 255 at sample 0, row 0, column 2 \(index 2\)/.test(e.message));
  const ok = LabelMap.from(rt, Int32Array.of(0, 4, 255, 2), [1, 2, 2], { classes: 5 });
  assert.equal([...(await ok.read())], [0, 4, 255, 2]);
  ok.release();
});

test.run();
