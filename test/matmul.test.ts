import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { matmul } from '../src/kernels/matmul';
import type { Tiling } from '../src/kernels/rowblocking';
import { compare } from './support/gradcheck';
import { randomArray } from './support/random';
import { testRuntime } from './support/runtime';
import * as ref from './reference/matmul';

const test = suite('matmul');

for (const tiling of ['blocked', 'blocked-uniform', 'tiled'] as Tiling[]) {
  for (const [m, k, n, batch] of [[37, 53, 71, 1], [9, 300, 261, 1], [70, 33, 530, 1], [64, 20, 40, 1], [1, 1, 1, 1], [13, 7, 45, 3], [33, 5, 9, 16]] as const) {
    test(`${tiling} ${batch} x ${m}x${k} x ${k}x${n}`, async () => {
      const rt = await testRuntime();
      const a = randomArray(batch * m * k, 1);
      const b = randomArray(batch * k * n, 2);
      const [ab, bb] = [a, b].map((d) => rt.upload(Float32Array.from(d)));
      const c = matmul(rt, ab!, bb!, m, k, n, tiling, batch);
      const got = await rt.readFloat32(c, batch * m * n);
      const want = new Float64Array(batch * m * n);
      for (let i = 0; i < batch; i++) want.set(ref.matmul(a.subarray(i * m * k, (i + 1) * m * k), b.subarray(i * k * n, (i + 1) * k * n), m, k, n), i * m * n);
      const mismatch = compare(got, want, { atol: 1e-4, rtol: 1e-4 });
      assert.ok(mismatch.ok, `matmul ${tiling} ${batch} x ${m}x${k}x${n}: max abs err ${mismatch.maxAbs}, worst at ${mismatch.worst}`);
      for (const t of [ab!, bb!, c]) rt.pool.release(t);
      console.log(`matmul ${tiling} ${batch} x ${m}x${k}x${n}: abs ${mismatch.maxAbs.toExponential(1)}`);
    });
  }
}

test.run();
