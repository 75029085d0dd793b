// The .pth reader on its own (no GPU): PyTorch's files read exactly, strided
// tensors gathered, and everything a state dict does not need refused with an
// error naming the file, the opcode or record, and why: globals such as
// os.system, calls of anything not allowed, object-building opcodes, unknown
// opcodes, damaged zips and storages of the wrong size. Then random damage to
// real files, which must end in a decode or a CheckpointError, nothing else.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { CheckpointError } from '../src/checkpoint/errors';
import { unpickle } from '../src/checkpoint/pickle';
import { decodePth, pthAllowedGlobals } from '../src/checkpoint/pth';
import { readZip } from '../src/checkpoint/zip';
import { concatBytes as bytes } from './support/bytes';
import { rng } from './support/random';
import { writeZip, type ZipInput } from './support/zip';

const test = suite('checkpoint pickle (.pth reader)');

const student = new Uint8Array(readFileSync('test/fixtures/reference/student_epoch_1.pth'));
const studentLegacy = new Uint8Array(readFileSync('test/fixtures/reference/student_epoch_1_legacy.pth'));

const encoder = new TextEncoder();
const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};
const text = (s: string) => bytes('X', u32(encoder.encode(s).length), s);
const int = (n: number) => bytes('J', new Uint8Array(new Int32Array([n]).buffer));
const tuple = (...items: Uint8Array[]) => bytes('(', ...items, 't');
const orderedDict = 'ccollections\nOrderedDict\n)R';

/** torch.save's pickle of a state dict with one tensor "w" on storage "0". */
function tensorPickle(o: { storage?: string; numel: number; shape: number[]; stride: number[]; offset?: number }): Uint8Array {
  const storage = tuple(text('storage'), bytes(`ctorch\n${o.storage ?? 'FloatStorage'}\n`), text('0'), text('cpu'), int(o.numel));
  const args = tuple(bytes(storage, 'Q'), int(o.offset ?? 0), tuple(...o.shape.map(int)), tuple(...o.stride.map(int)), bytes(0x89), bytes(orderedDict));
  return bytes(0x80, 2, orderedDict, '(', text('w'), 'ctorch._utils\n_rebuild_tensor_v2\n', args, 'R', 'u', '.');
}

function floats(...values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

function archive(pickle: Uint8Array, storages: Record<string, Uint8Array> = {}, extra: ZipInput[] = []): Uint8Array {
  return writeZip([
    { name: 'archive/data.pkl', data: pickle },
    ...Object.entries(storages).map(([key, data]) => ({ name: `archive/data/${key}`, data })),
    { name: 'archive/version', data: encoder.encode('3\n') },
    ...extra,
  ]);
}

function refusal(run: () => unknown): CheckpointError {
  try {
    run();
  } catch (error) {
    if (error instanceof CheckpointError) return error;
    throw new Error(`expected a CheckpointError, got ${String(error)}`);
  }
  throw new Error('expected a CheckpointError, but it was accepted');
}

test('PyTorch\'s own files: the zip format and the pre-1.6 format give the same state dict, every name and value', () => {
  const zip = decodePth(student, 'student_epoch_1.pth');
  const legacy = decodePth(studentLegacy, 'student_epoch_1_legacy.pth');
  assert.is(zip.format, 'zip');
  assert.is(legacy.format, 'legacy');
  assert.is(zip.tensors.size, 241);
  assert.equal([...legacy.tensors.keys()], [...zip.tensors.keys()]);
  for (const [name, t] of zip.tensors) {
    const l = legacy.tensors.get(name)!;
    assert.equal([t.dtype, t.shape], [l.dtype, l.shape], name);
    assert.equal(Array.from(t.data as ArrayLike<number | bigint>), Array.from(l.data as ArrayLike<number | bigint>), name);
  }
  const conv1 = zip.tensors.get('module.encoder.conv1.weight')!;
  assert.equal([conv1.dtype, conv1.shape], ['F32', [2, 3, 7, 7]]);
  const counter = zip.tensors.get('module.encoder.bn1.num_batches_tracked')!;
  assert.equal([counter.dtype, counter.shape, counter.data.length], ['I64', [], 1]);
});

test('a strided (transposed) tensor and an offset into its storage are gathered in row-major order', () => {
  const pickle = tensorPickle({ numel: 7, shape: [2, 3], stride: [1, 2], offset: 1 });
  const { tensors } = decodePth(archive(pickle, { '0': floats(9, 0, 1, 2, 3, 4, 5) }), 'strided.pth');
  const w = tensors.get('w')!;
  assert.equal(w.shape, [2, 3]);
  assert.equal(Array.from(w.data as Float32Array), [0, 2, 4, 1, 3, 5]);
});

test('the allowed globals are exactly a state dict\'s', () => {
  assert.equal(pthAllowedGlobals.slice(0, 3), ['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_parameter']);
  assert.ok(pthAllowedGlobals.slice(3).every((g) => /^torch\.[A-Za-z0-9]+Storage$/.test(g)), pthAllowedGlobals.join(', '));
});

test('GLOBAL os.system with REDUCE is refused at the GLOBAL, naming it, before any call', () => {
  const evil = bytes(0x80, 2, 'cos\nsystem\n', text('touch /tmp/pwned'), 0x85, 'R', '.');
  const error = refusal(() => decodePth(archive(evil), 'evil.pth'));
  assert.match(error.message, /^evil\.pth, archive\/data\.pkl: pickle opcode 0x63 at byte 2: refused the global "os\.system"/);
  assert.match(error.message, /nothing in the file was run/);
  const direct = refusal(() => unpickle(evil, { source: 'evil.pkl', globals: new Map(), persistentLoad: () => null }));
  assert.match(direct.message, /refused the global "os\.system"/);
});

test('STACK_GLOBAL of builtins.eval, and posix.system by GLOBAL, are refused by name', () => {
  const stackGlobal = bytes(0x80, 4, 0x8c, 8, 'builtins', 0x8c, 4, 'eval', 0x93, text('1+1'), 0x85, 'R', '.');
  assert.match(refusal(() => decodePth(archive(stackGlobal), 'f.pth')).message, /opcode 0x93 at byte 18: refused the global "builtins\.eval"/);
  assert.match(refusal(() => decodePth(archive(bytes(0x80, 2, 'cposix\nsystem\n.')), 'f.pth')).message, /refused the global "posix\.system"/);
});

test('REDUCE of anything but an allowed callable is refused', () => {
  const storageCall = bytes(0x80, 2, 'ctorch\nFloatStorage\n', ')', 'R', '.');
  assert.match(refusal(() => decodePth(archive(storageCall), 'f.pth')).message, /REDUCE calls torch\.FloatStorage, which may not be called/);
  const stringCall = bytes(0x80, 2, text('print'), ')', 'R', '.');
  assert.match(refusal(() => decodePth(archive(stringCall), 'f.pth')).message, /REDUCE calls string "print", which may not be called/);
  const badArgs = bytes(0x80, 2, 'ccollections\nOrderedDict\n', text('x'), 'R', '.');
  assert.match(refusal(() => decodePth(archive(badArgs), 'f.pth')).message, /REDUCE of collections\.OrderedDict with string "x" as arguments, not a tuple/);
});

test('object-building opcodes (INST, OBJ, NEWOBJ, EXT1) and unknown opcodes are refused, naming the opcode', () => {
  const cases: [Uint8Array, RegExp][] = [
    [bytes(0x80, 2, 'i', 'os\nsystem\n', '.'), /opcode 0x69 at byte 2: INST builds objects of arbitrary classes/],
    [bytes(0x80, 2, '(', 'cos\nsystem\n', 'o', '.'), /refused the global "os\.system"/],
    [bytes(0x80, 2, '(', 'o', '.'), /opcode 0x6f at byte 3: OBJ builds objects/],
    [bytes(0x80, 2, ')', ')', 0x81, '.'), /opcode 0x81 at byte 4: NEWOBJ builds objects/],
    [bytes(0x80, 2, 0x82, 1, '.'), /EXT1 builds objects/],
    [bytes(0x80, 2, 0xff, '.'), /opcode 0xff at byte 2: an opcode this reader does not accept/],
    [bytes(0x80, 2, 'S', "'x'\n", '.'), /opcode 0x53 at byte 2: an opcode this reader does not accept/],
  ];
  for (const [pickle, message] of cases) assert.match(refusal(() => decodePth(archive(pickle), 'f.pth')).message, message);
});

test('malformed pickles: truncated, BUILD on a list, a memo entry never stored, a stack left over', () => {
  const cases: [Uint8Array, RegExp][] = [
    [bytes(0x80, 2, '}'), /truncated: the data ends at byte 3 before the pickle's STOP/],
    [bytes(0x80, 2, 'X', u32(100), 'ab'), /truncated: a length of 100 bytes runs past the end/],
    [bytes(0x80, 2, ']', '}', 'b', '.'), /BUILD on a list, not a dict/],
    [bytes(0x80, 2, 'h', 7, '.'), /memo entry 7 was never stored/],
    [bytes(0x80, 2, '}', '}', '.'), /STOP with 2 values on the stack/],
    [bytes(0x80, 2, 's', '.'), /the stack is empty/],
    [bytes(0x80, 9, '.'), /pickle protocol 9 is newer than 5/],
  ];
  for (const [pickle, message] of cases) assert.match(refusal(() => decodePth(archive(pickle), 'f.pth')).message, message);
});

test('a pickle that is not a state dict, or holds tensors this reader cannot read, is refused saying what it holds', () => {
  const history = bytes(0x80, 2, '}', text('train'), '}', 's', '.');
  assert.match(refusal(() => decodePth(archive(history), 'history.pth')).message, /"train" holds a dict, not a tensor: the file is not a state dict/);
  assert.match(refusal(() => decodePth(archive(bytes(0x80, 2, ']', '.')), 'list.pth')).message, /the file holds a list, not a state dict/);
  const half = tensorPickle({ storage: 'HalfStorage', numel: 2, shape: [2], stride: [1] });
  assert.match(refusal(() => decodePth(archive(half, { '0': new Uint8Array(4) }), 'half.pth')).message, /torch\.HalfStorage holds float16 tensors; this reader reads float32, int64 and int32/);
  const beyond = tensorPickle({ numel: 4, shape: [2, 3], stride: [3, 1] });
  assert.match(refusal(() => decodePth(archive(beyond, { '0': floats(1, 2, 3, 4) }), 'beyond.pth')).message, /more elements than storage "0"/);
  const offset = tensorPickle({ numel: 4, shape: [4], stride: [1], offset: 1 });
  assert.match(refusal(() => decodePth(archive(offset, { '0': floats(1, 2, 3, 4) }), 'offset.pth')).message, /reaches element 4 of storage "0" \(torch\.FloatStorage\), which has 4/);
});

test('storages: a wrong size, a missing record, a corrupt byte', () => {
  const pickle = tensorPickle({ numel: 3, shape: [3], stride: [1] });
  assert.match(
    refusal(() => decodePth(archive(pickle, { '0': floats(1, 2) }), 'short.pth')).message,
    /short\.pth: tensor "w": record "archive\/data\/0" holds 8 bytes, but its record says 3 F32 elements \(12 bytes\)/,
  );
  assert.match(refusal(() => decodePth(archive(pickle), 'missing.pth')).message, /storage "0" \(torch\.FloatStorage\) has no record "archive\/data\/0" in the archive/);
  const corrupt = student.slice();
  const entries = readZip(student, 'student');
  const storage = entries.get('student_epoch_1/data/0')!;
  const at = storage.read().byteOffset - student.byteOffset;
  corrupt[at + 5]! ^= 0x40;
  assert.match(refusal(() => decodePth(corrupt, 'corrupt.pth')).message, /zip entry "student_epoch_1\/data\/0" is corrupt: its CRC-32 is 0x[0-9a-f]{8}, the zip directory says 0x[0-9a-f]{8}/);
});

test('zips: truncated, compressed, TorchScript, without data.pkl; not a checkpoint at all; the pre-1.6 format truncated', () => {
  for (const length of [10, student.length >> 1, student.length - 10]) {
    assert.match(refusal(() => decodePth(student.subarray(0, length), 'cut.pth')).message, /cut\.pth: truncated or not a zip file/);
  }
  assert.match(
    refusal(() => decodePth(writeZip([{ name: 'a/data.pkl', data: bytes(0x80, 2, '}', '.'), method: 8 }]), 'deflated.pth')).message,
    /zip entry "a\/data\.pkl" is compressed \(zip method 8, deflate\); PyTorch stores its checkpoints uncompressed/,
  );
  const script = writeZip([{ name: 'm/constants.pkl', data: bytes(0x80, 2, ')', '.') }, { name: 'm/code/m.py', data: encoder.encode('') }]);
  assert.match(refusal(() => decodePth(script, 'script.pt')).message, /a TorchScript archive \(torch\.jit\.save\), not a state dict/);
  assert.match(refusal(() => decodePth(writeZip([{ name: 'readme.txt', data: encoder.encode('hi') }]), 'other.zip')).message, /a zip file without <archive>\/data\.pkl/);
  assert.match(refusal(() => decodePth(encoder.encode('{"not": "torch"}'), 'x.json')).message, /not a PyTorch checkpoint: neither a zip archive/);
  assert.match(refusal(() => decodePth(new Uint8Array(0), 'empty.pth')).message, /empty\.pth: the file is empty/);
  assert.match(refusal(() => decodePth(studentLegacy.subarray(0, studentLegacy.length - 3), 'old.pth')).message, /old\.pth: \(pre-1\.6 format\) truncated: storage/);
  assert.match(refusal(() => decodePth(bytes(0x80, 2, 'K', 7, '.'), 'pickle.pkl')).message, /a pickle, but not a PyTorch checkpoint/);
});

test('random damage to real .pth files ends in a decode or a CheckpointError, nothing else', () => {
  const random = rng(20260307);
  const pick = (n: number) => Math.floor(random() * n);
  let decoded = 0;
  const reasons = new Map<string, number>();
  const cases = 600;
  for (let i = 0; i < cases; i++) {
    const source = i % 2 ? student : studentLegacy;
    let damaged: Uint8Array;
    if (i % 3 === 0) {
      damaged = source.slice(0, pick(source.length));
    } else {
      damaged = source.slice();
      // Mostly in the pickle and the zip directory, where damage changes meaning rather than values.
      const region = pick(2) ? [0, Math.min(source.length, 52_000)] : [source.length - 20_000, source.length];
      for (let f = 1 + pick(4); f > 0; f--) damaged[region[0]! + pick(region[1]! - region[0]!)] = pick(256);
    }
    try {
      decodePth(damaged, 'damaged.pth');
      decoded++;
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw new Error(`case ${i}: ${String(error)}`);
      const reason = error.problems[0]!.replace(/[0-9]+/g, 'N').replace(/".*?"/g, '"…"').slice(0, 60);
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  console.log(`  ${cases} damaged files: ${decoded} still decode (changed values), ${cases - decoded} refused for ${reasons.size} different reasons`);
  assert.ok(cases - decoded > cases / 2);
});

test.run();
