// The finite flag the optimizers read (shaders/finite.wgsl): reset to 1, cleared
// by a NaN or an infinity among the first n values of a check, never set again
// by a later check; the largest float32, denormals and -0 count as finite.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { beginScope, Tensor } from '../src/graph';
import { checkFinite, finiteFlag } from '../src/kernels/finite';
import type { GpuRuntime } from '../src/gpu';
import { allFinite } from './reference/finite';
import { testRuntime } from './support/runtime';

const test = suite('finite flag');
const largest = 3.4028234663852886e38;
const smallestDenormal = 1.401298464324817e-45;

async function flagAfter(rt: GpuRuntime, checks: readonly (readonly number[])[], counts?: readonly number[]): Promise<number> {
  const flag = finiteFlag(rt);
  for (const [i, values] of checks.entries()) checkFinite(rt, Tensor.from(rt, values, [values.length]).buffer, counts?.[i] ?? values.length, flag);
  const word = new Uint32Array((await rt.readFloat32(flag, 1)).buffer)[0]!;
  rt.pool.release(flag);
  return word;
}

test('one check over odd sizes: the flag says whether every value is finite, wherever the bad one sits', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  try {
    for (const n of [1, 7, 67, 1031]) {
      const finite = Array.from({ length: n }, (_, i) => [largest, -largest, smallestDenormal, -0, i - 3.5][i % 5]!);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of new Set([0, n >> 1, n - 1])) {
          const values = finite.map((v, i) => (i === at ? bad : v));
          assert.is(await flagAfter(rt, [values]), Number(allFinite(values, n)), `n ${n}, ${bad} at ${at}`);
        }
      }
      assert.is(await flagAfter(rt, [finite]), 1, `n ${n}, all finite`);
    }
  } finally {
    scope.end();
  }
});

test('a cleared flag stays cleared; values past n are not looked at', async () => {
  const rt = await testRuntime();
  const scope = beginScope();
  try {
    assert.is(await flagAfter(rt, [[1, NaN, 3], [1, 2, 3]]), 0);
    assert.is(await flagAfter(rt, [[1, 2, NaN]], [2]), Number(allFinite([1, 2, NaN], 2)));
  } finally {
    scope.end();
  }
});

test.run();
