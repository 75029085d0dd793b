import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ShapeError } from '../src/base/shape';
import { BindingSizeError, DeviceLostError, ShaderCompileError, OutOfMemoryError } from '../src/gpu/errors';
import { createNodeRuntime } from '../src/gpu/node';
import { shader } from '../src/gpu/shader';
import { Tensor, add } from '../src/graph';
import { testRuntime } from './support/runtime';

const test = suite('runtime errors');

test('a bad shape names the op and both shapes, before dispatch', async () => {
  const rt = await testRuntime();
  const a = Tensor.from(rt, new Float32Array(6), [2, 3]);
  const b = Tensor.from(rt, new Float32Array(6), [3, 2]);
  const before = rt.dispatchCount;
  try {
    add(a, b);
    assert.unreachable('add of [2, 3] and [3, 2] should throw');
  } catch (e) {
    assert.instance(e, ShapeError);
    assert.match((e as Error).message, /add: .*\[2, 3\].*\[3, 2\]/);
  }
  assert.is(rt.dispatchCount, before, 'nothing was dispatched');
  a.release();
  b.release();
});

test('a WGSL compile error carries the shader name, the line and the message', async () => {
  const rt = await testRuntime();
  const broken = shader(
    'broken-specialisation',
    ['struct Params { n: u32 }', '// p: Params at binding 0 comes from the prelude', '@compute @workgroup_size(1)', 'fn main() {', '  let x: f32 = undefinedThing * 2.0;', '}'].join('\n'),
  );
  try {
    await rt.compile(broken, 'main', '');
    assert.unreachable('compile should throw');
  } catch (e) {
    assert.instance(e, ShaderCompileError);
    const err = e as ShaderCompileError;
    assert.is(err.shader, 'broken-specialisation');
    assert.is(err.line, 5);
    assert.match(err.message, /undefinedThing/);
  }
});

test('a tensor over maxStorageBufferBindingSize is refused before dispatch, naming size and limit', async () => {
  const rt = await testRuntime();
  const limit = rt.limits.maxStorageBufferBindingSize;
  const elements = Math.floor(limit / 4) + 1;
  try {
    Tensor.empty(rt, [elements]);
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, BindingSizeError);
    assert.match((e as Error).message, new RegExp(`${elements * 4} bytes.*${limit}`));
  }
});

test('an allocation over maxBufferSize is a typed out-of-memory error', async () => {
  const rt = await testRuntime();
  try {
    rt.pool.acquire(rt.limits.maxBufferSize + 4);
    assert.unreachable('should throw');
  } catch (e) {
    assert.ok(e instanceof OutOfMemoryError || e instanceof BindingSizeError, `got ${(e as Error).name}`);
  }
});

test('a lost device surfaces as DeviceLostError on the next use, not a hang', async () => {
  const rt = await createNodeRuntime();
  const t = Tensor.from(rt, [1, 2, 3], [3]);
  rt.device.destroy();
  await new Promise((r) => setTimeout(r, 50));
  try {
    add(t, t);
    await rt.sync();
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, DeviceLostError);
  }
});

test('pool: released buffers are reused, bytes in use return to where they were', async () => {
  const rt = await testRuntime();
  const before = rt.pool.stats();
  const a = Tensor.empty(rt, [1000]);
  const after = rt.pool.stats();
  assert.ok(after.bytesInUse > before.bytesInUse);
  a.release();
  const b = Tensor.empty(rt, [1000]);
  assert.is(rt.pool.stats().bytesAllocated, after.bytesAllocated, 'no new allocation for the same size class');
  b.release();
  assert.is(rt.pool.stats().bytesInUse, before.bytesInUse);
});

test.run();
