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
  for (const [m, k, n] of [[37, 53, 71], [9, 300, 261], [70, 33, 530], [64, 20, 40], [1, 1, 1]] as const) {
    test(`${tiling} ${m}x${k} x ${k}x${n}`, async () => {
      const rt = await testRuntime();
      const a = randomArray(m * k, 1);
      const b = randomArray(k * n, 2);
      const [ab, bb] = [a, b].map((d) => rt.upload(Float32Array.from(d)));
      const c = matmul(rt, ab!, bb!, m, k, n, tiling);
      const got = await rt.readFloat32(c, m * n);
      const mismatch = compare(got, ref.matmul(a, b, m, k, n), { atol: 1e-4, rtol: 1e-4 });
      assert.ok(mismatch.ok, `matmul ${tiling} ${m}x${k}x${n}: max abs err ${mismatch.maxAbs}, worst at ${mismatch.worst}`);
      for (const t of [ab!, bb!, c]) rt.pool.release(t);
      console.log(`matmul ${tiling} ${m}x${k}x${n}: abs ${mismatch.maxAbs.toExponential(1)}`);
    });
  }
}

test.run();
