// Resuming from a damaged or mismatched training-state checkpoint: a missing
// tensor, an extra one, a wrong shape or dtype, a truncated file, a header that
// is not JSON. Each is a CheckpointError naming the tensor and both shapes (or
// what is wrong with the file), and nothing is loaded half-way.
import { readFileSync, writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSamples } from '../src/data/sample-check';
import { Random } from '../src/base/random';
import { CheckpointError } from '../src/checkpoint/errors';
import { loadCheckpointFile } from '../src/checkpoint/io';
import { encodeSafetensors, type CheckpointTensor, type DecodedCheckpoint } from '../src/checkpoint/safetensors';
import { checkpointPaths } from '../src/cli/pipeline';
import { teacherPhase } from '../src/cli/training';
import { resolveOptions } from '../src/cli/options';
import { indexStreetHazards } from '../src/data/streethazards';
import { ensureSyntheticDataset } from '../src/data/synthetic';
import { formatShape } from '../src/base/shape';
import { tiny } from '../src/model/config';
import { Teacher } from '../src/model/networks';
import { readState } from '../src/model/state';
import { newControl, runPhase } from '../src/training/trainer';
import { control, expectValue, runQuietly, smallRun, tempDir } from './support/pipeline';
import { testRuntime } from './support/runtime';

const test = suite('reliability: checkpoint mismatch');

type Tensors = Map<string, CheckpointTensor>;
type Variant = { name: string; change: (t: Tensors) => void; expect: (good: Tensors) => RegExp };

/** The shape of a tensor of the valid checkpoint, as messages write it (the tiny config may change). */
const shapeOf = (good: Tensors, name: string): string => formatShape(good.get(name)!.shape).replace(/[[\]]/g, '\\$&');

const variants: Variant[] = [
  {
    name: 'a missing tensor',
    change: (t) => t.delete('decoder.conv_last.0.weight'),
    expect: (g) => new RegExp(`missing tensor "decoder\\.conv_last\\.0\\.weight" \\(the model expects F32 ${shapeOf(g, 'decoder.conv_last.0.weight')}\\)`),
  },
  {
    name: 'an extra tensor',
    change: (t) => t.set('decoder.head.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) }),
    expect: () => /unexpected tensor "decoder\.head\.weight" \(F32 \[2, 2\]\), which the model does not have/,
  },
  {
    name: 'a wrong shape',
    change: (t) => t.set('encoder.conv1.weight', { dtype: 'F32', shape: [1, 7], data: new Float32Array(7) }),
    expect: (g) => new RegExp(`tensor "encoder\\.conv1\\.weight": shape \\[1, 7\\] in the file, but the model expects ${shapeOf(g, 'encoder.conv1.weight')}`),
  },
  {
    name: 'a wrong dtype',
    change: (t) => t.set('encoder.bn1.num_batches_tracked', { dtype: 'F32', shape: [], data: new Float32Array(1) }),
    expect: () => /tensor "encoder\.bn1\.num_batches_tracked": dtype F32 in the file, but the model expects I64/,
  },
  {
    name: 'a wrong optimizer slot shape',
    change: (t) => t.set('optimizer.encoder.conv1.weight.momentum_buffer', { dtype: 'F32', shape: [1, 7], data: new Float32Array(7) }),
    expect: (g) => new RegExp(`tensor "optimizer\\.encoder\\.conv1\\.weight\\.momentum_buffer": shape \\[1, 7\\] in the file, but the model expects ${shapeOf(g, 'encoder.conv1.weight')}`),
  },
];

/** The teacher's training state after one step (a stopped run). */
async function stoppedRun(): Promise<{ out: string; good: DecodedCheckpoint; bytes: Buffer }> {
  const out = tempDir('checkpoint-mismatch');
  expectValue(await runQuietly(await testRuntime(), smallRun(out), control({}, 1)));
  const path = checkpointPaths(out).state;
  return { out, good: await loadCheckpointFile(path), bytes: readFileSync(path) };
}

// Started by the first test, not at import: uvu imports every test file before running any.
let stoppedOnce: ReturnType<typeof stoppedRun> | null = null;
const stopped = (): ReturnType<typeof stoppedRun> => (stoppedOnce ??= stoppedRun());

test('each mismatch is refused naming the tensor and both shapes; model, optimizer and RNG stay untouched', async () => {
  const rt = await testRuntime();
  const { good } = await stopped();
  const o = smallRun(tempDir('unused'));
  const index = indexStreetHazards(ensureSyntheticDataset({ seed: o.seed, counts: { train: 6, validation: 1, test: 2 }, progress: false }), { splits: ['train'] });
  const rng = new Random(o.seed);
  const teacher = new Teacher(rt, rng, tiny);
  const trainClassPixels = (await checkSamples(index, 'fail')).train!.slice(0, tiny.numClasses);
  const spec = teacherPhase(teacher, { index, options: resolveOptions(o, index.layout), config: tiny, rng, path: '/nonexistent/never-written.safetensors', trainClassPixels });
  const snapshot = async (): Promise<string> => {
    const state = await readState(teacher, spec.optimizer.state());
    return JSON.stringify([...state].map(([name, t]) => [name, Array.from(t.data, Number)])) + JSON.stringify([rng.state, spec.optimizer.stepCount]);
  };
  const before = await snapshot();
  for (const v of variants) {
    const tensors = new Map(good.tensors);
    v.change(tensors);
    try {
      await runPhase(spec, newControl(), { checkpoint: { tensors, metadata: good.metadata }, source: 'state.safetensors' });
      assert.unreachable(`${v.name} should be refused`);
    } catch (error) {
      assert.instance(error, CheckpointError, `${v.name}: ${String(error)}`);
      assert.match((error as Error).message, v.expect(good.tensors), `${v.name}: ${(error as Error).message}`);
      assert.is((error as CheckpointError).problems.length, 1, `${v.name}: exactly the one problem`);
    }
    assert.is(await snapshot(), before, `${v.name}: nothing was loaded`);
  }
});

test('--resume from a damaged file (each mismatch, truncated, header not JSON) is a CheckpointError before any step', async () => {
  const rt = await testRuntime();
  const { out, good, bytes } = await stopped();
  const path = checkpointPaths(out).state;
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const notJson = Buffer.from(bytes);
  notJson.write('<html>', 8, 'latin1');
  const damaged: [string, Uint8Array, RegExp][] = [
    ...variants.map((v): [string, Uint8Array, RegExp] => {
      const tensors = new Map(good.tensors);
      v.change(tensors);
      return [v.name, encodeSafetensors(tensors, good.metadata), v.expect(good.tensors)];
    }),
    ['a truncated file', bytes.subarray(0, 8 + headerLength + 1000), /truncated: tensor ".*" has data_offsets \[\d+, \d+\] beyond the end of the 1000-byte data section/],
    ['a truncated header', bytes.subarray(0, 100), /truncated: the header length \d+ is beyond the end of the 100-byte file/],
    ['a header that is not JSON', notJson, /the header is not JSON/],
  ];
  for (const [name, file, expect] of damaged) {
    writeFileSync(path, file);
    let steps = 0;
    const run = await runQuietly(rt, smallRun(out, { resume: true }), control({ beforeStep: () => void steps++ }));
    assert.instance(run.error, CheckpointError, `${name}: ${String(run.error)}`);
    assert.match((run.error as Error).message, expect, `${name}: ${(run.error as Error).message}`);
    assert.ok((run.error as Error).message.startsWith(path), `${name}: the error names the file`);
    assert.is(steps, 0, `${name}: no training step ran`);
  }
  writeFileSync(path, bytes);
  expectValue(await runQuietly(rt, smallRun(out, { resume: true }), control({}, 1)));
});

test.run();
