import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor, beginScope } from '../src/graph';
import * as ops from '../src/graph/ops';
import { softmaxScores } from '../src/kernels/softmaxscores';
import { compare } from './support/gradcheck';
import { randomArray } from './support/random';
import { testRuntime } from './support/runtime';
import * as ref from './reference/softmaxscores';

const test = suite('softmax scores');

const cases = [
  { n: 1, c: 1, h: 3, w: 5, range: 1 },
  { n: 3, c: 5, h: 7, w: 9, range: 3 },
  { n: 1, c: 13, h: 11, w: 13, range: 30 },
  { n: 3, c: 19, h: 5, w: 7, range: 30 },
];

for (const k of cases) {
  const name = `softmaxScores N${k.n} C${k.c} ${k.h}x${k.w} logits ±${k.range}`;
  test(name, async () => {
    const rt = await testRuntime();
    const scope = beginScope();
    const x = randomArray(k.n * k.c * k.h * k.w, k.c * 17 + k.n, -k.range, k.range);
    const maps = ops.softmaxScores(Tensor.from(rt, x, [k.n, k.c, k.h, k.w]));
    const want = ref.softmaxScores(x, k);
    const parts: string[] = [];
    for (const key of ['msp', 'maxLogit', 'entropy'] as const) {
      assert.equal([...maps[key].shape], [k.n, 1, k.h, k.w]);
      const m = compare(await maps[key].read(), want[key], { atol: 1e-5, rtol: 1e-4 });
      assert.ok(m.ok, `${name} ${key}: max abs err ${m.maxAbs}`);
      parts.push(`${key} abs ${m.maxAbs.toExponential(1)}`);
    }
    assert.equal([...maps.argmax.shape], [k.n, 1, k.h, k.w]);
    assert.equal([...(await maps.argmax.read())], [...want.argmax], `${name}: argmax`);
    console.log(`${name}: ${parts.join(', ')}, argmax exact`);
    scope.end();
  });
}

test('softmaxScores: ties go to the first channel; uniform logits give msp 1 - 1/C and entropy log C', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  // one pixel of 4 channels: 2, 7, 7, -1; one of equal logits
  const maps = ops.softmaxScores(Tensor.from(rt, [2, 3, 7, 3, 7, 3, -1, 3], [1, 4, 1, 2]));
  assert.equal([...(await maps.argmax.read())], [1, 0]);
  const [msp, entropy] = await Promise.all([maps.msp.read(), maps.entropy.read()]);
  assert.ok(Math.abs(msp[1]! - 0.75) < 1e-6, `msp ${msp[1]}`);
  assert.ok(Math.abs(entropy[1]! - Math.log(4)) < 1e-6, `entropy ${entropy[1]}`);
  scope.end();
});

test('softmaxScores: a non-NCHW shape throws ShapeError naming the op and the shape', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  assert.throws(() => ops.softmaxScores(Tensor.empty(rt, [4, 5, 6])), (e: Error) => e.name === 'ShapeError' && /^softmaxScores: .*\[4, 5, 6\]/.test(e.message));
  const logits = rt.pool.acquire(4 * 60);
  assert.throws(() => softmaxScores(rt, logits, 1, 0, 6, 10), (e: Error) => e.name === 'ShapeError' && /\[1, 0, 6, 10\]/.test(e.message));
  rt.pool.release(logits);
  scope.end();
});

test.run();
