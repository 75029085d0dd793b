// Bit flips in a checkpoint's data: the safetensors files we write carry a
// CRC-32 of each tensor and of the metadata, and every read checks them. 20
// flipped bytes in the training state, the teacher's weights or the student's
// are refused naming the file and the tensor: by --resume before any step, and
// by the browser demo before anything is loaded. Files without checksums
// (PyTorch's) still load.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32 } from '../src/base/crc32';
import { CheckpointError } from '../src/checkpoint/errors';
import { checksumKey, decodeSafetensors, encodeSafetensors, type TensorToSave } from '../src/checkpoint/safetensors';
import { checkpointPaths } from '../src/cli/pipeline';
import { launchChromium, startDemoServer } from './support/browser';
import { control, expectValue, referenceWeights, runQuietly, smallRun, tempDir } from './support/pipeline';
import { rng } from './support/random';
import { testRuntime } from './support/runtime';

const test = suite('reliability: checksums');

interface HeaderEntry {
  data_offsets: [number, number];
}

/** The file with 20 bytes inverted at a seeded place in its data section, and the tensor holding the first of them. */
function flip20(file: Uint8Array, seed: number): { damaged: Uint8Array; tensor: string } {
  const headerLength = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))) as Record<string, HeaderEntry>;
  const dataStart = 8 + headerLength;
  const at = Math.floor(rng(seed)() * (file.length - dataStart - 20));
  const damaged = Uint8Array.from(file);
  for (let i = at; i < at + 20; i++) damaged[dataStart + i]! ^= 0xff;
  const tensor = Object.keys(header).find((name) => name !== '__metadata__' && header[name]!.data_offsets[0] <= at && at < header[name]!.data_offsets[1]);
  return { damaged, tensor: tensor! };
}

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function refused(error: unknown, file: string, tensor: string): void {
  assert.instance(error, CheckpointError, String(error));
  const message = (error as Error).message;
  assert.ok(message.startsWith(`${file}: `), `the error names the file: ${message}`);
  assert.match(message, new RegExp(`tensor "${escaped(tensor)}" \\(.*\\) does not match its checksum \\(CRC-32 [0-9a-f]{8}, stored [0-9a-f]{8}\\): the file is damaged`), message);
}

/** The CRC-32 one bit at a time, as its definition: the reference for the table-driven one. */
function bitwiseCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('crc32: the check value of "123456789", and the bitwise definition at every length and offset', () => {
  assert.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  const random = rng(11);
  const bytes = Uint8Array.from({ length: 80 }, () => Math.floor(random() * 256));
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= bytes.length; end++) assert.is(crc32(bytes.subarray(start, end)), bitwiseCrc32(bytes.subarray(start, end)), `bytes ${start}..${end}`);
  }
});

test('a written file carries the checksum of every tensor and of the metadata; a flip in any of them is refused', () => {
  const tensors = new Map<string, TensorToSave>([
    ['encoder.conv1.weight', { dtype: 'F32', shape: [4, 3, 3, 3], data: Float32Array.from({ length: 108 }, (_, i) => Math.sin(i)) }],
    ['encoder.bn1.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.of(12n) }],
    ['labels', { dtype: 'I32', shape: [3], data: Int32Array.of(0, 13, 255) }],
  ]);
  const metadata = { config: 'tiny', step: '17' };
  const file = encodeSafetensors(tensors, metadata);
  const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))) as { __metadata__: Record<string, string> };
  const sums = JSON.parse(header.__metadata__[checksumKey]!) as Record<string, string>;
  assert.equal(Object.keys(sums).sort(), ['__metadata__', ...tensors.keys()].sort());
  assert.is(sums['labels'], crc32(new Uint8Array(Int32Array.of(0, 13, 255).buffer)).toString(16).padStart(8, '0'));
  assert.equal(decodeSafetensors(file, 'good.safetensors').metadata, metadata, 'the checksums are not part of the metadata handed back');

  for (const [name, tensor] of tensors) {
    const entry = (header as unknown as Record<string, HeaderEntry>)[name]!;
    const bad = Uint8Array.from(file);
    bad[8 + headerLength + entry.data_offsets[0]]! ^= 0x01;
    try {
      decodeSafetensors(bad, 'bad.safetensors');
      assert.unreachable(`a flipped bit in ${name} was not noticed`);
    } catch (error) {
      refused(error, 'bad.safetensors', name);
      assert.match((error as Error).message, `${tensor.dtype} [${tensor.shape.join(', ')}]`);
    }
  }
  const headerText = new TextDecoder().decode(file.subarray(8, 8 + headerLength));
  const damagedHeader = (from: string, to: string): Uint8Array => {
    assert.is(from.length, to.length);
    const bad = Uint8Array.from(file);
    bad.set(new TextEncoder().encode(headerText.replace(from, to)), 8);
    return bad;
  };
  assert.throws(() => decodeSafetensors(damagedHeader('"step":"17"', '"step":"18"'), 'meta.safetensors'), /^meta\.safetensors: the metadata does not match its checksum/);
  assert.throws(() => decodeSafetensors(damagedHeader(`\\"labels\\":\\"${sums['labels']}`, `\\"labels\\":\\"${sums['labels']!.replace(/^./, (c) => (c === '0' ? '1' : '0'))}`), 'sum.safetensors'), /tensor "labels" .* does not match its checksum/);
  assert.throws(() => decodeSafetensors(damagedHeader('"labels":{', '"lab_ls":{'), 'name.safetensors'), /tensor "lab_ls" has no checksum .*the header is damaged/);
  assert.throws(() => decodeSafetensors(damagedHeader(`"${checksumKey}":"{`, `"${checksumKey}":"[`), 'map.safetensors'), /the __metadata__ entry "crc32" is not JSON: the header is damaged/);

  const pytorch = encodeSafetensors(tensors, metadata, { checksums: false });
  assert.not.ok(new TextDecoder().decode(pytorch).includes(checksumKey), 'checksums: false writes the reference bytes');
  const plain = decodeSafetensors(pytorch, 'pytorch.safetensors');
  assert.equal(plain.metadata, metadata);
  assert.equal([...plain.tensors.keys()].sort(), [...tensors.keys()].sort());
});

test('--resume from a training state with 20 flipped data bytes is refused naming the file and the tensor, before any step', async () => {
  const rt = await testRuntime();
  const out = tempDir('checksum-state');
  expectValue(await runQuietly(rt, smallRun(out), control({}, 1)));
  const path = checkpointPaths(out).state;
  const good = readFileSync(path);
  for (const seed of [1, 2, 3]) {
    const { damaged, tensor } = flip20(good, seed);
    writeFileSync(path, damaged);
    let steps = 0;
    const run = await runQuietly(rt, smallRun(out, { resume: true }), control({ beforeStep: () => void steps++ }));
    refused(run.error, path, tensor);
    assert.is(steps, 0, 'no training step ran');
  }
  writeFileSync(path, good);
  expectValue(await runQuietly(rt, smallRun(out, { resume: true }), control({}, 1)));
});

test("--resume in the student phase refuses the teacher's weights with 20 flipped bytes", async () => {
  const rt = await testRuntime();
  const out = tempDir('checksum-teacher');
  // The teacher's 6 steps and one of the student's: teacher.safetensors is final, the state is the student's.
  expectValue(await runQuietly(rt, smallRun(out), control({}, 7)));
  const path = checkpointPaths(out).teacher;
  const { damaged, tensor } = flip20(readFileSync(path), 4);
  writeFileSync(path, damaged);
  let steps = 0;
  const run = await runQuietly(rt, smallRun(out, { resume: true }), control({ beforeStep: () => void steps++ }));
  refused(run.error, path, tensor);
  assert.is(steps, 0, 'no training step ran');
});

test('the browser demo refuses a student checkpoint with 20 flipped bytes, naming the tensor', async () => {
  const weights = await referenceWeights(await testRuntime());
  const { damaged, tensor } = flip20(weights.student, 5);
  const folder = mkdtempSync(join(tmpdir(), 'dicnet-checksum-demo-'));
  writeFileSync(join(folder, 'teacher.safetensors'), weights.teacher);
  writeFileSync(join(folder, 'student.safetensors'), damaged);
  const server = await startDemoServer(folder);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}?featureLevel=compatibility`);
    await page.waitForFunction(() => window.dicnetDemo !== undefined && !window.dicnetDemo.busy, null, { timeout: 60_000 });
    const state = await page.evaluate(() => ({ error: window.dicnetDemo.error, sources: window.dicnetDemo.sources }));
    const message = state.error ?? '';
    assert.ok(message.includes(`tensor "${tensor}"`) && message.includes('does not match its checksum'), message);
    assert.ok(message.includes('server student.safetensors'), `the message names the file: ${message}`);
    assert.is(state.sources.student.startsWith('random'), true, 'the damaged student was not loaded');
  } finally {
    await browser.close();
    server.stop();
    rmSync(folder, { recursive: true, force: true });
  }
});

test.run();
