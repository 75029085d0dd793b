// SIGKILL in the middle of writing a checkpoint: the previous checkpoint is
// intact and loads, the half-written temp file is never taken for one, and the
// run resumed after two such kills ends bit-identical to an uninterrupted run.
import { existsSync, mkdirSync, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCheckpointFile } from '../src/checkpoint/io';
import { checkpointPaths } from '../src/cli/pipeline';
import { parseProgress } from '../src/training/training-state';
import { mainJob, smallRunArgs } from './support/main-job';
import { finalWeights, referenceWeights, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: SIGKILL mid-checkpoint');

/** Runs the main job and SIGKILLs it the moment it creates the temp file of its `saveNumber`-th checkpoint save. */
async function killDuringSave(args: string[], dir: string, saveNumber: number): Promise<string[]> {
  const saves = new Set<string>();
  let kill: () => void = () => {};
  const watcher = watch(dir, (_, name) => {
    if (!name?.includes('.tmp-') || saves.has(name) || !existsSync(join(dir, name))) return;
    saves.add(name);
    if (saves.size === saveNumber) kill();
  });
  try {
    const exit = await mainJob(args, { signalWhen: () => null, onStart: (k) => (kill = () => k('SIGKILL')) });
    assert.is(exit.signal, 'SIGKILL', `the run was killed (it ended with code ${exit.code}):\n${exit.output}`);
  } finally {
    watcher.close();
  }
  return readdirSync(dir).filter((name) => name.includes('.tmp-'));
}

test('killed while saving (twice), the last complete checkpoint loads and the resumed run ends bit-identical', async () => {
  const out = tempDir('sigkill');
  const dir = join(out, 'checkpoints');
  mkdirSync(dir, { recursive: true });
  const args = [...smallRunArgs(out), '--checkpoint-every', '1'];
  const steps: number[] = [];
  const leftovers: number[] = [];
  for (const [round, saveNumber] of [[0, 3], [1, 4]] as const) {
    const left = await killDuringSave(round === 0 ? args : [...args, '--resume'], dir, saveNumber);
    leftovers.push(left.length);
    const { metadata } = await loadCheckpointFile(checkpointPaths(out).state);
    const p = parseProgress(metadata, 'state');
    steps.push(p.step);
    assert.is(p.phase, 'teacher');
  }
  assert.ok(leftovers.some((n) => n > 0), 'at least one kill left a half-written temp file behind');
  assert.ok(steps[1]! > steps[0]!, `the second run went on from the first one's checkpoint (${steps.join(' then ')})`);

  const resumed = await mainJob([...args, '--resume']);
  assert.is(resumed.code, 0, resumed.output);
  assert.equal(readdirSync(dir).filter((name) => name.includes('.tmp-')), [], 'the leftovers were removed');
  const [want, got] = [await referenceWeights(await testRuntime()), finalWeights(out)];
  assert.ok(want.teacher.equals(got.teacher) && want.student.equals(got.student), 'final weights bit-identical to the uninterrupted run');
  console.log(`  killed mid-save at teacher steps ${steps.join(' and ')} (temp files left: ${leftovers.join(', ')}); resumed run bit-identical`);
});

test.run();
