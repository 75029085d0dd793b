// Runtime support for benchmarks: uniforms compiled in as constants
// (specialise) compute what the uniform path computes, and a profile times
// every dispatch, in order, without changing what the dispatches compute.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import source from '../shaders/elementwise.wgsl';
import { GpuError } from '../src/gpu/errors';
import type { ProfileMode } from '../src/gpu/profiler';
import { shader } from '../src/gpu/shader';
import { elementwiseOptions } from '../src/kernels/elementwise';
import { perElement } from '../src/kernels/grid';
import { testRuntime } from './support/runtime';

const test = suite('runtime: specialised launches and profiles');

const elementwise = shader('elementwise', source, elementwiseOptions);
const n = 1000;
const a = Float32Array.from({ length: n }, (_, i) => i / 7 - 50);
const b = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
const want = (alpha: number): Float64Array => Float64Array.from(a, (v, i) => v + alpha * b[i]!);

function assertClose(got: Float32Array, expected: Float64Array, what: string): void {
  expected.forEach((v, i) => assert.ok(Math.abs(got[i]! - v) <= 1e-5 * Math.max(1, Math.abs(v)), `${what}: element ${i} is ${got[i]}, want ${v}`));
}

test('a specialised dispatch computes what the uniform one does, for each set of values', async () => {
  const rt = await testRuntime();
  const ab = [rt.upload(a), rt.upload(b)] as const;
  for (const alpha of [0.5, -3]) {
    for (const specialise of [false, true]) {
      const out = rt.pool.acquire(n * 4);
      rt.dispatch(elementwise, 'addScaled', { reads: { a: ab[0], b: ab[1] }, writes: { outAB: out }, params: { n, alpha }, ...perElement(n, 64), specialise });
      assertClose(await rt.readFloat32(out, n), want(alpha), `alpha ${alpha}, specialise ${specialise}`);
      rt.pool.release(out);
    }
  }
  ab.forEach((buffer) => rt.pool.release(buffer));
});

for (const mode of ['timestamps', 'synchronised'] as ProfileMode[]) {
  test(`a ${mode} profile times each dispatch in order and leaves the results alone`, async () => {
    const rt = await testRuntime();
    if (mode === 'timestamps' && !rt.hasTimestamps) {
      assert.throws(() => rt.beginProfile('timestamps'), (e: unknown) => e instanceof GpuError && /no timestamp queries/.test(String(e)));
      return;
    }
    const x = rt.upload(a);
    const y = rt.upload(b);
    rt.beginProfile(mode);
    assert.throws(() => rt.beginProfile(mode), (e: unknown) => e instanceof GpuError && /already running/.test(String(e)));
    const sum = rt.pool.acquire(n * 4);
    rt.dispatch(elementwise, 'addScaled', { reads: { a: x, b: y }, writes: { outAB: sum }, params: { n, alpha: 2 }, ...perElement(n, 64) });
    const scaled = rt.pool.acquire(n * 4);
    rt.dispatch(elementwise, 'scale', { reads: { a: sum }, writes: { outA: scaled }, params: { n, alpha: -1 }, ...perElement(n, 64) });
    const result = await rt.endProfile();
    assert.is(result.mode, mode);
    assert.equal(result.dispatches.map((d) => d.entryPoint), ['addScaled', 'scale']);
    assert.equal(result.dispatches[1]!.params, { n, alpha: -1 });
    for (const d of result.dispatches) assert.ok(Number.isFinite(d.ms) && d.ms >= 0, `${d.entryPoint}: ${d.ms} ms`);
    assert.is(result.syncOverheadMs === null, mode === 'timestamps');
    assertClose(await rt.readFloat32(scaled, n), want(2).map((v) => -v), 'after the profile');
    let ended = false;
    try {
      await rt.endProfile();
    } catch (e) {
      ended = e instanceof GpuError && /no profile is running/.test(String(e));
    }
    assert.ok(ended, 'a second endProfile is refused');
    [x, y, sum, scaled].forEach((buffer) => rt.pool.release(buffer));
  });
}

test.run();
