import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ops from '../src/graph/ops';
import { broadcastRows, sumRows } from '../src/kernels/reduce';
import { checkOp, compare } from './support/gradcheck';
import { randomArray } from './support/random';
import { testRuntime } from './support/runtime';
import * as ref from './reference/reduce';

const test = suite('reductions');

// 70001 values need two passes at the default tiling (2048 values per workgroup).
for (const shape of [[1], [3, 5, 7, 11], [1, 13, 33, 31], [70001]]) {
  for (const name of ['sum', 'mean'] as const) {
    test(`${name} ${shape}`, async () => {
      const rt = await testRuntime();
      const n = shape.reduce((a, b) => a * b, 1);
      console.log(
        await checkOp(rt, {
          name: `${name} ${shape}`,
          inputs: [{ shape }],
          outputShape: [1],
          gpu: ([x]) => (name === 'sum' ? ops.sum(x!) : ops.mean(x!)),
          reference: ([x]) => (name === 'sum' ? ref.sum(x!) : ref.mean(x!)),
          referenceGrad: ([x], g) => [name === 'sum' ? ref.sumGrad(x!, g) : ref.meanGrad(x!, g)],
          // float32 summation error grows with the count of terms
          forwardTol: { atol: 1e-6 * Math.sqrt(n) * (name === 'sum' ? 1 : 1 / n) + 1e-6, rtol: 1e-4 },
        }),
      );
    });
  }
}

test('sumRows: three passes at a small tiling, several rows, same bits every run', async () => {
  const rt = await testRuntime();
  const rows = 3;
  const n = 70001; // 64-wide workgroups of one value each: 70001 -> 1094 -> 18 -> 1
  const x = randomArray(rows * n, 5, -2, 3);
  const input = rt.upload(Float32Array.from(x));
  const runs = [0, 1].map(() => sumRows(rt, input, rows, n, 0.5, { workgroup: 64, items: 1 }));
  const [first, second] = (await rt.readMany(runs.map((buffer) => ({ buffer })))).map((b) => new Float32Array(b));
  const want = ref.sumRows(x, rows, n).map((v) => 0.5 * v);
  const m = compare(first!, want, { atol: 1e-6 * Math.sqrt(n) * Math.max(...want.map(Math.abs)), rtol: 1e-5 });
  assert.ok(m.ok, `sumRows: got ${[...first!]}, want ${[...want]}`);
  assert.equal([...new Uint32Array(first!.buffer)], [...new Uint32Array(second!.buffer)], 'two runs differ');
  for (const b of [input, ...runs]) rt.pool.release(b);
  console.log(`sumRows 3x70001 at workgroup 64: abs err ${m.maxAbs.toExponential(1)}, two runs bit-identical`);
});

test('broadcastRows puts alpha * g[row] in every place of its row', async () => {
  const rt = await testRuntime();
  const g = rt.upload(Float32Array.of(1, -2, 4));
  const dx = broadcastRows(rt, g, 3, 5, 0.25);
  const got = await rt.readFloat32(dx, 15);
  assert.equal([...got], [0.25, 0.25, 0.25, 0.25, 0.25, -0.5, -0.5, -0.5, -0.5, -0.5, 1, 1, 1, 1, 1]);
  rt.pool.release(g);
  rt.pool.release(dx);
});

test('sumRows refuses a buffer too small for its rows', async () => {
  const rt = await testRuntime();
  const x = rt.pool.acquire(40);
  assert.throws(() => sumRows(rt, x, 2, 6), (e: Error) => e.name === 'ShapeError' && /^sum: input holds 10 values, need 2 rows of 6/.test(e.message));
  rt.pool.release(x);
});

test.run();
