// Buffers derived from others and kept while their sources are unchanged
// (src/gpu/derived.ts): the runtime's content versions move with every kind of
// write and no read, a derivation is kept from its second use on and made
// again once a source is written, and the inference conv with its batch norm
// folded in (direct and Winograd) follows every change to its weights and
// statistics, against the float64 reference.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { derived } from '../src/gpu/derived';
import { Tensor, beginScope } from '../src/graph';
import * as ops from '../src/graph/ops';
import type { Conv2dGeometry } from '../src/kernels/conv2d';
import type { ConvAlgorithm } from '../src/kernels/conv2dalgorithm';
import { fill } from '../src/kernels/elementwise';
import { compare } from './support/gradcheck';
import { randomArray } from './support/random';
import { testRuntime } from './support/runtime';
import * as ref from './reference/conv2dbatchnorm';

const test = suite('derived buffers');

test('content versions move with dispatches, writes and copies into a buffer, not with reads', async () => {
  const rt = await testRuntime();
  const a = rt.upload(new Float32Array([1, 2, 3, 4]));
  const b = rt.upload(new Float32Array(4));
  const version = () => [rt.contentVersion(a), rt.contentVersion(b)];
  let before = version();
  await rt.readFloat32(a, 4);
  rt.copy(a, b, 16);
  assert.is(rt.contentVersion(a), before[0], 'reading or copying from a');
  assert.ok(rt.contentVersion(b) > before[1]!, 'copying into b');
  before = version();
  rt.write(a, new Float32Array([5]), 4);
  assert.ok(rt.contentVersion(a) > before[0]!, 'write()');
  before = version();
  fill(rt, 4, 0, b);
  assert.ok(rt.contentVersion(b) > before[1]!, 'a dispatch writing b');
  assert.is(rt.contentVersion(a), before[0]);
  for (const x of [a, b]) rt.pool.release(x);
});

test('a derivation is made on its first two uses, kept from the second, and made again after a source is written', async () => {
  const rt = await testRuntime();
  const source = rt.upload(new Float32Array([1, 2, 3]));
  let made = 0;
  const doubled = () =>
    derived(rt, `test doubled ${source.id}`, [source], () => {
      made++;
      const out = rt.pool.acquire(12, 'test derivation');
      rt.copy(source, out, 12);
      return [out];
    });
  const first = doubled();
  assert.is(first.kept, false);
  rt.pool.release(first.buffers[0]!);
  const second = doubled();
  assert.is(second.kept, true);
  const third = doubled();
  assert.is(third.kept, true);
  assert.is(third.buffers[0], second.buffers[0], 'the kept buffer again');
  assert.is(made, 2);
  rt.write(source, new Float32Array([7]));
  const fourth = doubled();
  assert.is(made, 3, 'made again after the write');
  assert.is(fourth.kept, false, 'a new version is kept only from its second use');
  assert.equal([...(await rt.readFloat32(fourth.buffers[0]!, 3))], [7, 2, 3]);
  rt.pool.release(fourth.buffers[0]!);
  rt.pool.release(source);
});

const g: Conv2dGeometry = { n: 2, cIn: 5, h: 9, w: 11, cOut: 7, kh: 3, kw: 3, stride: 1, padding: 2, dilation: 2 };
const eps = 1e-5;

for (const algorithm of ['direct', 'winograd4'] as ConvAlgorithm[]) {
  test(`${algorithm}: the folded conv follows changes to its weights and running statistics`, async () => {
    const rt = await testRuntime();
    const outShape = [g.n, g.cOut, g.h, g.w] as const;
    const x = randomArray(g.n * g.cIn * g.h * g.w, 1);
    const w = randomArray(g.cOut * g.cIn * 9, 2);
    const gamma = randomArray(g.cOut, 3, 0.5, 1.5);
    const beta = randomArray(g.cOut, 4);
    const mean = randomArray(g.cOut, 5, -0.3, 0.3);
    const variance = randomArray(g.cOut, 6, 0.5, 3);
    const scope = beginScope();
    try {
      const t = (data: Float64Array, shape: readonly number[]) => Tensor.from(rt, data, shape, 'persistent');
      const [xt, wt, gt, bt, mt, vt] = [t(x, [g.n, g.cIn, g.h, g.w]), t(w, [g.cOut, g.cIn, 3, 3]), t(gamma, [g.cOut]), t(beta, [g.cOut]), t(mean, [g.cOut]), t(variance, [g.cOut])];
      const run = () =>
        ops.conv2dBatchNormEval(xt, {
          conv: { weight: wt, bias: null, stride: g.stride, padding: g.padding, dilation: g.dilation, algorithm },
          bn: { weight: gt, bias: bt, runningMean: mt, runningVar: vt, eps },
        });
      const check = async (what: string) => {
        const want = ref.conv2dBatchNormEval(x, w, null, g, [...outShape], { mean, variance }, { weight: gamma, bias: beta }, eps, { residual: null, relu: false });
        for (let i = 0; i < 3; i++) {
          const m = compare(await run().read(), want, { atol: 1e-4, rtol: 1e-3 });
          assert.ok(m.ok, `${what}, call ${i + 1}: max abs err ${m.maxAbs}`);
        }
      };
      await check('as made');
      variance[3] = 0.25;
      vt.write(variance);
      await check('after a running variance changed');
      w[17] = 2;
      wt.write(w);
      await check('after a weight changed');
      beta.fill(0.5);
      bt.write(beta);
      await check('after the batch norm bias changed');
    } finally {
      scope.end();
    }
  });
}

test.run();
