// A NaN or Inf in a loss or a gradient: detected in the step it appears in, the
// step not applied, the error naming the loss and the step; --on-nan lower-lr
// rolls back to the last checkpoint at half the learning rate and goes on.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCheckpointFile } from '../src/checkpoint/io';
import { failureMessage } from '../src/cli/failure';
import { checkpointPaths } from '../src/cli/pipeline';
import { NonFiniteLossError } from '../src/model/errors';
import type { TrainerHooks } from '../src/training/trainer';
import { parseProgress } from '../src/training/training-state';
import { mainJob, smallRunArgs } from './support/main-job';
import { control, expectValue, runQuietly, smallRun, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: NaN');

/** NaN pixels in the batch of teacher step `at`, the first time that step runs. */
function nanOnce(at: number): TrainerHooks & { applied: number[] } {
  let injected = false;
  const applied: number[] = [];
  return {
    applied,
    beforeStep: ({ phase, step, batch }) => {
      if (phase === 'teacher' && step === at && !injected) {
        injected = true;
        batch.images.fill(Number.NaN, 0, 64);
      }
    },
    afterStep: ({ phase, step }) => void (phase === 'teacher' && applied.push(step)),
  };
}

test('--on-nan stop: NonFiniteLossError naming the loss and the step; the last checkpoint is the good one before it', async () => {
  const rt = await testRuntime();
  const out = tempDir('nan-stop');
  const hooks = nanOnce(4);
  const c = control(hooks);
  const run = await runQuietly(rt, smallRun(out), c);
  assert.instance(run.error, NonFiniteLossError, String(run.error));
  const error = run.error as NonFiniteLossError;
  assert.equal([error.loss, error.step], ['cross-entropy', 4]);
  assert.match(error.message, /^cross-entropy loss (is NaN|is finite \(.*\) but a gradient is not) at step 4; the step was not applied/);
  console.log(`  ${error.message}`);
  assert.equal(hooks.applied, [0, 1, 2, 3], 'step 4 never completed');
  const progress = parseProgress((await loadCheckpointFile(checkpointPaths(out).state)).metadata, 'state');
  assert.equal([progress.phase, progress.step], ['teacher', 3], 'the checkpoint of the last epoch end is kept');

  const message = failureMessage(error, { options: smallRun(out), checkpoint: c.lastCheckpoint, resumeCommand: 'node bench/run.js --resume', adapter: rt.describe() })!;
  assert.match(message, /cross-entropy loss .* at step 4/);
  assert.match(message, /The last checkpoint \(teacher step 3 of 6\) is intact/);
  assert.match(message, /To resume: node bench\/run.js --resume --on-nan lower-lr/);
});

test('--on-nan lower-lr: rolled back to the checkpoint at half the learning rate; the run finishes with finite weights', async () => {
  const rt = await testRuntime();
  const out = tempDir('nan-lower');
  const hooks = nanOnce(4);
  const done = expectValue(await runQuietly(rt, smallRun(out, { onNan: 'lower-lr' }), control(hooks)));
  assert.is(done.status, 'done');
  assert.equal(hooks.applied, [0, 1, 2, 3, 3, 4, 5], 'step 3 is redone from the checkpoint, then 4 and 5');
  const training = done.status === 'done' ? done.report.sections!.training!.entries : {};
  assert.equal([training.non_finite_steps_skipped?.value, training.learning_rate_halvings?.value, training.steps_redone?.value], [1, 1, 1]);
  for (const file of [checkpointPaths(out).teacher, checkpointPaths(out).student]) {
    for (const [name, t] of (await loadCheckpointFile(file)).tensors) {
      if (t.dtype === 'F32') assert.ok(t.data.every(Number.isFinite), `${name} in ${file} is finite (batch norm statistics rolled back too)`);
    }
  }
  const p = parseProgress((await loadCheckpointFile(checkpointPaths(out).state)).metadata, 'state');
  assert.equal(JSON.parse(p.carry.teacher!).nonFinite, { skipped: 1, lrHalvings: 1, stepsRedone: 1 });
});

test('CLI: an absurd learning rate stops the run naming the loss and the step, exit 1', async () => {
  const out = tempDir('nan-cli');
  const exit = await mainJob([...smallRunArgs(out), '--teacher-lr', '1e30']);
  assert.is(exit.code, 1, exit.output);
  assert.match(exit.output, /error: cross-entropy loss (is NaN|is Infinity|is -Infinity|is finite \(.*\) but a gradient is not) at step \d+; the step was not applied/);
  assert.match(exit.output, /To resume: node bench\/run.js .* --resume --on-nan lower-lr/);
});

test.run();
