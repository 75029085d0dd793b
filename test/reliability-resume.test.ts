// --resume after an interruption continues weights, optimizer state, RNG
// words, data order and LR schedule exactly: the final checkpoints are
// byte-identical to an uninterrupted run with the same seed.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointError } from '../src/checkpoint/errors';
import { loadCheckpointFile } from '../src/checkpoint/io';
import { runConvChoicesPath } from '../src/cli/conv-tuning';
import { checkpointPaths } from '../src/cli/pipeline';
import { loadTrainedPair } from '../src/cli/trained-pair';
import { exportConvChoices } from '../src/kernels/conv2dalgorithm';
import { parseProgress } from '../src/training/training-state';
import { control, expectValue, finalWeights, referenceWeights, runQuietly, smallRun, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: resume');

async function stateAt(out: string): Promise<string> {
  const p = parseProgress((await loadCheckpointFile(checkpointPaths(out).state)).metadata, 'state');
  return `${p.phase} ${p.step}/${p.totalSteps}`;
}

test('a run stopped mid-epoch in each phase and resumed ends with the same bytes as an uninterrupted one', async () => {
  const rt = await testRuntime();
  const out = tempDir('resume-interrupted');
  // Stop in the teacher's second epoch (3 steps an epoch), between its checkpoints.
  let result = expectValue(await runQuietly(rt, smallRun(out), control({}, 4)));
  assert.is(result.status, 'stopped');
  assert.is(await stateAt(out), 'teacher 4/6');
  assert.not.ok(existsSync(checkpointPaths(out).teacher), 'the teacher has no final weights yet');

  // Stopped as a signal handler does: after the current step (student step 2 of 3).
  const stopInStudent = control({
    afterStep: ({ phase, step }) => {
      if (phase === 'student' && step === 1) stopInStudent.stopRequested = 'SIGINT';
    },
  });
  result = expectValue(await runQuietly(rt, smallRun(out, { resume: true }), stopInStudent));
  assert.equal(result.status === 'stopped' && [result.reason, result.checkpoint?.phase, result.checkpoint?.step], ['SIGINT', 'student', 2]);
  assert.is(await stateAt(out), 'student 2/3');

  const done = expectValue(await runQuietly(rt, smallRun(out, { resume: true })));
  assert.is(done.status, 'done');
  const training = done.status === 'done' ? done.report.sections!.training!.entries : {};
  assert.is(training.resumed_at?.value, 'teacher step 4, student step 2');

  const [want, got] = [await referenceWeights(rt), finalWeights(out)];
  assert.ok(want.teacher.equals(got.teacher), 'teacher weights bit-identical');
  assert.ok(want.student.equals(got.student), 'student weights bit-identical');
  console.log(`  resumed at teacher step 4 and student step 2: teacher (${got.teacher.length} bytes) and student (${got.student.length} bytes) checkpoints bit-identical to the uninterrupted run`);
});

test('a run with Winograd convs resumes with the choices saved in its folder: the same bytes as an uninterrupted run with those choices', async () => {
  const rt = await testRuntime();
  // Every tuned shape set to F(4x4), so that the choices surely differ from direct.
  const scratch = tempDir('resume-tuned-scratch');
  expectValue(await runQuietly(rt, smallRun(scratch, { convChoices: 'auto' }), control({}, 1)));
  const tuned = JSON.parse(readFileSync(runConvChoicesPath(join(scratch, 'checkpoints')), 'utf8')) as Record<string, Record<string, string>>;
  const mine = tuned[rt.describe()]!;
  assert.ok(Object.keys(mine).length >= 8, 'the auto run saved its choices in its folder');
  const choices = join(scratch, 'winograd4.json');
  writeFileSync(choices, JSON.stringify({ [rt.describe()]: Object.fromEntries(Object.keys(mine).map((k) => [k, 'winograd4'])) }));

  const out = tempDir('resume-tuned');
  expectValue(await runQuietly(rt, smallRun(out, { convChoices: choices }), control({}, 4)));
  const resumed = await runQuietly(rt, smallRun(out, { resume: true, convChoices: 'direct' }));
  assert.is(expectValue(resumed).status, 'done');
  assert.match(resumed.output, 'conv choices: taken from');
  assert.match(resumed.output, `winograd4 ${Object.keys(mine).length} (as the run saved them)`, 'the report says which algorithms ran');

  const uninterrupted = tempDir('resume-tuned-reference');
  expectValue(await runQuietly(rt, smallRun(uninterrupted, { convChoices: choices })));
  const [want, got] = [finalWeights(uninterrupted), finalWeights(out)];
  assert.ok(want.teacher.equals(got.teacher) && want.student.equals(got.student), 'bit-identical with the same choices');
  assert.not.ok(want.teacher.equals((await referenceWeights(rt)).teacher), 'Winograd convs give other bits than direct ones');

  // dicnet eval and infer score with the choices the run saved beside its networks, and direct without them.
  const networks = join(uninterrupted, 'checkpoints');
  assert.is((await loadTrainedPair(rt, networks)).convChoices, Object.keys(mine).length);
  assert.equal(exportConvChoices(rt)[rt.describe()], Object.fromEntries(Object.keys(mine).map((k) => [k, 'winograd4'])));
  const bare = tempDir('resume-tuned-networks-only');
  for (const file of ['teacher.safetensors', 'student.safetensors']) cpSync(join(networks, file), join(bare, file));
  assert.is((await loadTrainedPair(rt, bare)).convChoices, 0);
  assert.equal(exportConvChoices(rt)[rt.describe()] ?? {}, {}, 'no choices left over from the networks loaded before');
});

test('resume refuses other options, listing each; a fresh run refuses to overwrite an unfinished one', async () => {
  const rt = await testRuntime();
  const out = tempDir('resume-options');
  expectValue(await runQuietly(rt, smallRun(out), control({}, 1)));
  const before = await stateAt(out);

  const other = await runQuietly(rt, smallRun(out, { resume: true, seed: 2, batchSize: 3 }));
  assert.instance(other.error, CheckpointError);
  const message = (other.error as Error).message;
  assert.match(message, /--seed is 2 in this run but 1 in the checkpoint/);
  assert.match(message, /--batch is 3 in this run but 2 in the checkpoint/);

  const fresh = await runQuietly(rt, smallRun(out));
  assert.instance(fresh.error, CheckpointError);
  assert.match((fresh.error as Error).message, /unfinished run \(teacher step 1 of 6\): pass --resume/);
  assert.is(await stateAt(out), before, 'the training state is untouched');

  const nothing = await runQuietly(rt, smallRun(tempDir('resume-nothing'), { resume: true }));
  assert.instance(nothing.error, CheckpointError);
  assert.match((nothing.error as Error).message, /nothing to resume/);
});

test.run();
