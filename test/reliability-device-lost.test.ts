// The GPU device lost mid-run (device.destroy() between steps): a typed
// DeviceLostError, the checkpoint of the last good step kept and loadable, and
// the command line's message says the device was lost and how to resume.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCheckpointFile } from '../src/checkpoint/io';
import { failureMessage } from '../src/cli/failure';
import { checkpointPaths } from '../src/cli/pipeline';
import { DeviceLostError } from '../src/gpu/errors';
import { createNodeRuntime } from '../src/gpu/node';
import { parseProgress } from '../src/training/training-state';
import { control, expectValue, runQuietly, smallRun, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: device lost');

test('device.destroy() after teacher step 4: DeviceLostError, the step-3 checkpoint loads and the run resumes', async () => {
  const doomed = await createNodeRuntime();
  const out = tempDir('device-lost');
  const c = control({
    afterStep: ({ phase, step }) => {
      if (phase === 'teacher' && step === 3) doomed.device.destroy();
    },
  });
  const run = await runQuietly(doomed, smallRun(out), c);
  doomed.destroy();
  assert.instance(run.error, DeviceLostError, `${String(run.error)}\n${run.output}`);

  const { metadata } = await loadCheckpointFile(checkpointPaths(out).state);
  const progress = parseProgress(metadata, 'state');
  assert.equal([progress.phase, progress.step], ['teacher', 3], 'the checkpoint of the last epoch end is intact');
  assert.equal(c.lastCheckpoint && [c.lastCheckpoint.phase, c.lastCheckpoint.step], ['teacher', 3]);

  const message = failureMessage(run.error, { options: smallRun(out), checkpoint: c.lastCheckpoint, resumeCommand: 'node bench/run.js --out x --resume', adapter: 'test' })!;
  assert.match(message, /^error: the GPU device was lost/);
  assert.match(message, /The last checkpoint \(teacher step 3 of 6\) is intact: .*training-state\.safetensors\nTo resume: node bench\/run.js --out x --resume/);
  console.log(`  ${message.split('\n')[0]}`);

  const resumed = expectValue(await runQuietly(await testRuntime(), smallRun(out, { resume: true })));
  assert.is(resumed.status, 'done');
});

test.run();
