// A tensor over maxStorageBufferBindingSize: a typed error naming the size and
// the limit, raised before anything is dispatched for it; for the input batch,
// before any data is read. (A buffer over maxBufferSize is an OutOfMemoryError:
// test/runtime-errors.test.ts.)
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../src/base/random';
import { failureMessage } from '../src/cli/failure';
import { checkpointPaths } from '../src/cli/pipeline';
import { BindingSizeError } from '../src/gpu/errors';
import { SGD } from '../src/graph/optim';
import { tiny } from '../src/model/config';
import { Teacher } from '../src/model/networks';
import { teacherStep } from '../src/model/steps';
import { control, runQuietly, smallRun, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: tensor over the binding limit');

test('an input batch over the limit is refused before any data is read, naming shape, bytes and limit', async () => {
  const rt = await testRuntime();
  const limit = rt.limits.maxStorageBufferBindingSize;
  const perImage = 3 * tiny.inputHeight * tiny.inputWidth * 4;
  const batch = Math.floor(limit / perImage) + 1;
  const out = tempDir('oom-input');
  let steps = 0;
  const run = await runQuietly(rt, smallRun(out, { batchSize: batch }), control({ beforeStep: () => void steps++ }));
  assert.instance(run.error, BindingSizeError, String(run.error));
  const error = run.error as BindingSizeError;
  assert.equal([error.bytes, error.limit], [batch * perImage, limit]);
  assert.match(error.message, new RegExp(`the input batch \\[${batch}, 3, ${tiny.inputHeight}, ${tiny.inputWidth}\\] \\(--batch ${batch}\\) needs a storage binding of ${batch * perImage} bytes, over the adapter's maxStorageBufferBindingSize of ${limit} bytes`));
  assert.not.match(run.output, /data: /, 'no data was read');
  assert.is(steps, 0);
  assert.not.ok(existsSync(checkpointPaths(out).state));
  const message = failureMessage(error, { options: smallRun(out, { batchSize: batch }), checkpoint: null, resumeCommand: '', adapter: 'test' })!;
  assert.match(message, new RegExp(`does not fit this GPU at batch ${batch}: lower --batch`));
});

test('an activation over the limit in a training step: BindingSizeError before its kernel is recorded; the runtime goes on', async () => {
  const rt = await testRuntime();
  const limit = rt.limits.maxStorageBufferBindingSize;
  const [h, w] = [tiny.inputHeight, tiny.inputWidth];
  const size = Math.floor(limit / (3 * h * w * 4)); // the input itself fits
  const rng = new Random(5);
  const teacher = new Teacher(rt, rng, tiny).train();
  const opt = new SGD(teacher.namedParameters().map(([name, param]) => ({ name, param })), 0.01);
  const big = { images: new Float32Array(size * 3 * h * w), labels: new Int32Array(size * h * w), size, height: h, width: w };
  const dispatched = rt.dispatchCount;
  try {
    await teacherStep(teacher, opt, big, 0);
    assert.unreachable('the step should not fit');
  } catch (error) {
    assert.instance(error, BindingSizeError, String(error));
    const e = error as BindingSizeError;
    assert.ok(e.bytes > limit && e.limit === limit, `${e.bytes} bytes over ${limit}`);
    assert.match(e.message, new RegExp(`needs a storage binding of ${e.bytes} bytes, over the adapter's maxStorageBufferBindingSize of ${limit} bytes`));
    console.log(`  batch ${size}: ${e.message}`);
  }
  assert.ok(rt.dispatchCount - dispatched < 5, 'it failed at one of the first layers, nothing after was recorded');
  const small = { images: new Float32Array(2 * 3 * h * w).fill(0.5), labels: new Int32Array(2 * h * w).fill(1), size: 2, height: h, width: w };
  assert.ok(Number.isFinite(await teacherStep(teacher, opt, small, 0)), 'a step that fits runs afterwards');
});

test.run();
