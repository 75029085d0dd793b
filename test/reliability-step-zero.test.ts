// A run that fails before its first training step (a batch too big for the
// GPU, say) leaves only a step-0 training state: a new run with other options
// (the suggested fix, "lower --batch") replaces it instead of refusing it as an
// unfinished run. A state with trained steps is still protected.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCheckpointFile } from '../src/checkpoint/io';
import { CheckpointError } from '../src/checkpoint/errors';
import { checkpointPaths } from '../src/cli/pipeline';
import { OutOfMemoryError } from '../src/gpu/errors';
import { parseProgress } from '../src/training/training-state';
import { control, expectValue, runQuietly, smallRun, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: a run that never trained a step');

test('a new run with another --batch replaces the step-0 state of a run whose first step failed', async () => {
  const rt = await testRuntime();
  const out = tempDir('step-zero');
  const failing = control({
    beforeStep: () => {
      throw new OutOfMemoryError(2 ** 40, null, 'the first step of the test (simulated)');
    },
  });
  const first = await runQuietly(rt, smallRun(out, { batchSize: 3 }), failing);
  assert.instance(first.error, OutOfMemoryError);

  const second = await runQuietly(rt, smallRun(out), control({}, 1));
  const result = expectValue(second);
  assert.is(result.status, 'stopped');
  assert.match(second.output, /replacing the training state in .* \(teacher step 0 of 4: no step was trained\)/);
  const progress = parseProgress((await loadCheckpointFile(checkpointPaths(out).state)).metadata, 'state');
  assert.is(progress.step, 1, 'the new run saved its own state');

  const third = await runQuietly(rt, smallRun(out, { batchSize: 3 }));
  assert.instance(third.error, CheckpointError, 'a state with a trained step is not replaced');
  assert.match((third.error as Error).message, /holds an unfinished run \(teacher step 1 of 6\)/);
});

test.run();
