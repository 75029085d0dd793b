import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointError } from '../src/checkpoint/errors';
import { loadCheckpointFile, replaceFileAtomically, saveCheckpoint } from '../src/checkpoint/io';
import { encodeSafetensors, type TensorToSave } from '../src/checkpoint/safetensors';

const test = suite('checkpoint files');
const directory = mkdtempSync(join(tmpdir(), 'checkpoint-io-'));
const target = join(directory, 'teacher.safetensors');

function weights(value: number): Map<string, TensorToSave> {
  return new Map<string, TensorToSave>([
    ['conv.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array(4).fill(value) }],
    ['bn.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(value)) }],
  ]);
}

async function loadedValue(path: string): Promise<number> {
  const { tensors, metadata } = await loadCheckpointFile(path);
  const value = Number(metadata!.version);
  assert.equal([...tensors.get('conv.weight')!.data], [value, value, value, value]);
  assert.is(tensors.get('bn.num_batches_tracked')!.data[0], BigInt(value));
  return value;
}

async function rejects(promise: Promise<unknown>, path: string, reason: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, CheckpointError);
    assert.is((error as CheckpointError).source, path);
    assert.match((error as CheckpointError).message, reason);
    return;
  }
  assert.unreachable(`expected a CheckpointError matching ${reason}`);
}

test('save then load, and a second save replaces the first', async () => {
  await saveCheckpoint(target, weights(1), { version: '1' });
  assert.is(await loadedValue(target), 1);
  await saveCheckpoint(target, weights(2), { version: '2' });
  assert.is(await loadedValue(target), 2);
  assert.equal(readdirSync(directory), ['teacher.safetensors']);
});

test('a save interrupted before its rename leaves the previous checkpoint intact and no temp file', async () => {
  await saveCheckpoint(target, weights(3), { version: '3' });
  let tempWritten = '';
  const crashBeforeRename = async (from: string) => {
    tempWritten = from;
    assert.ok(readdirSync(directory).length === 2, 'the temp file exists beside the target when the rename would happen');
    throw new Error('simulated crash before rename');
  };
  await rejects(replaceFileAtomically(target, encodeSafetensors(weights(4), { version: '4' }), crashBeforeRename), target, /simulated crash before rename/);
  assert.ok(tempWritten.startsWith(`${target}.tmp-`), tempWritten);
  assert.is(await loadedValue(target), 3);
  assert.equal(readdirSync(directory), ['teacher.safetensors']);
});

test('a temp file left by a crashed save is never read in place of the target', async () => {
  await saveCheckpoint(target, weights(5), { version: '5' });
  const leftover = `${target}.tmp-99999-0`;
  writeFileSync(leftover, encodeSafetensors(weights(6), { version: '6' }).subarray(0, 50));
  assert.is(await loadedValue(target), 5);
  const missing = join(directory, 'student.safetensors');
  writeFileSync(`${missing}.tmp-99999-0`, encodeSafetensors(weights(7), { version: '7' }));
  await rejects(loadCheckpointFile(missing), missing, /cannot read the file \(ENOENT/);
  await saveCheckpoint(target, weights(8), { version: '8' });
  assert.is(await loadedValue(target), 8);
});

test('file errors are CheckpointErrors naming the path', async () => {
  const nowhere = join(directory, 'no-such-dir', 'x.safetensors');
  await rejects(saveCheckpoint(nowhere, weights(1)), nowhere, /cannot save \(ENOENT.*the file there, if any, is unchanged/);
  await rejects(loadCheckpointFile(directory), directory, /cannot read the file \(EISDIR/);
  const bad = join(directory, 'bad.safetensors');
  writeFileSync(bad, 'not a checkpoint');
  await rejects(loadCheckpointFile(bad), bad, /header length \d+ is over the 100000000-byte limit/);
  await rejects(saveCheckpoint(bad, new Map([['w', { dtype: 'F32', shape: [3], data: new Float32Array(2) }]])), bad, /tensor "w": shape \[3\] has 3 elements but the data has 2/);
});

test.after(() => rmSync(directory, { recursive: true, force: true }));
test.run();
