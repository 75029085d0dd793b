// SIGINT during training: the current step finishes, a checkpoint is written,
// the process exits 130 saying how to resume, and the printed command finishes
// the run with the same final weights as an uninterrupted one.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCheckpointFile } from '../src/checkpoint/io';
import { checkpointPaths } from '../src/cli/pipeline';
import { parseProgress } from '../src/training/training-state';
import { mainJob, smallRunArgs } from './support/main-job';
import { finalWeights, referenceWeights, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: SIGINT');

test('SIGINT mid-training: exit 130, a checkpoint, the resume command, and the resumed run ends bit-identical', async () => {
  const out = tempDir('sigint');
  const args = smallRunArgs(out);
  const interrupted = await mainJob(args, { signalWhen: (output) => (/teacher \((class-weighted )?cross-entropy\) 1\/6/.test(output) ? 'SIGINT' : null) });
  assert.is(interrupted.code, 130, interrupted.output);
  assert.match(interrupted.output, /SIGINT: finishing the current step, then saving a checkpoint/);
  const resume = /To resume: (node bench\/run\.js .*--resume)\n/.exec(interrupted.output)?.[1];
  assert.ok(resume, `the message gives the command to resume:\n${interrupted.output}`);
  assert.is(resume, `node bench/run.js ${args.join(' ')} --resume`);

  const { tensors, metadata } = await loadCheckpointFile(checkpointPaths(out).state);
  const progress = parseProgress(metadata, 'state');
  assert.is(progress.phase, 'teacher');
  assert.ok(progress.step >= 2 && progress.step < 6, `stopped after the step in flight (step ${progress.step})`);
  assert.ok(tensors.has('optimizer.encoder.conv1.weight.momentum_buffer'), 'optimizer slots are saved with the model');
  assert.match(interrupted.output, new RegExp(`stopped by SIGINT at teacher step ${progress.step} of 6`));

  const resumed = await mainJob([...resume!.split(' ').slice(2)]);
  assert.is(resumed.code, 0, resumed.output);
  assert.match(resumed.output, new RegExp(`resuming the teacher phase at step ${progress.step} of 6`));

  const [want, got] = [await referenceWeights(await testRuntime()), finalWeights(out)];
  assert.ok(want.teacher.equals(got.teacher) && want.student.equals(got.student), 'final weights bit-identical to the uninterrupted run');
  console.log(`  SIGINT after teacher step 1: exit 130, checkpoint at step ${progress.step}, resumed run bit-identical`);
});

test.run();
