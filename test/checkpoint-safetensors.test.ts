import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointError } from '../src/checkpoint/errors';
import { decodeSafetensors, encodeSafetensors, type TensorToSave } from '../src/checkpoint/safetensors';
import { concatBytes as concat } from './support/bytes';

const test = suite('checkpoint safetensors');
const ascii = new TextEncoder();

function lengthField(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24, 0, 0, 0, 0];
}

/** A file with this exact header text (padded to 8 bytes with spaces) and `dataBytes` zero bytes of data. */
function fileWithHeader(header: string, dataBytes: number): Uint8Array {
  const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
  return concat(lengthField(padded.length), padded, new Array<number>(dataBytes).fill(0));
}

function bytesOf(data: Float32Array | BigInt64Array | Int32Array): number[] {
  return [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
}

function decodeFails(bytes: Uint8Array, reason: RegExp): void {
  try {
    decodeSafetensors(bytes, 'bad.safetensors');
  } catch (error) {
    assert.instance(error, CheckpointError);
    const e = error as CheckpointError;
    assert.is(e.source, 'bad.safetensors');
    assert.ok(e.message.startsWith('bad.safetensors: '), e.message);
    assert.match(e.message, reason);
    return;
  }
  assert.unreachable(`decoding should have failed with ${reason}`);
}

function encodeFails(tensors: Map<string, TensorToSave>, reason: RegExp, metadata?: Record<string, string>): void {
  try {
    encodeSafetensors(tensors, metadata);
  } catch (error) {
    assert.instance(error, CheckpointError);
    assert.match((error as CheckpointError).message, reason);
    return;
  }
  assert.unreachable(`encoding should have failed with ${reason}`);
}

function sampleTensors(): Map<string, TensorToSave> {
  return new Map<string, TensorToSave>([
    ['encoder.conv1.weight', { dtype: 'F32', shape: [2, 3, 1, 1], data: Float32Array.of(1.5, -0, NaN, Infinity, -3.4e38, 1e-45) }],
    ['encoder.bn1.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.of(9007199254740993n) }],
    ['decoder.bn.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.of(-5n) }],
    ['labels', { dtype: 'I32', shape: [5], data: Int32Array.of(0, -1, 2147483647, -2147483648, 13) }],
    ['empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
    ['encoder.bn1.running_var', { dtype: 'F32', shape: [3], data: Float32Array.of(1, 2, 3) }],
  ]);
}

test('round trip keeps every name, dtype, shape and bit, and the metadata', () => {
  const tensors = sampleTensors();
  const metadata = { format: 'pt', 'config "tiny"\n': 'ü ✓ 𝔵' };
  const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata), 'round-trip');
  assert.equal(decoded.metadata, metadata);
  assert.equal([...decoded.tensors.keys()].sort(), [...tensors.keys()].sort());
  for (const [name, want] of tensors) {
    const got = decoded.tensors.get(name)!;
    assert.is(got.dtype, want.dtype, name);
    assert.equal(got.shape, want.shape, name);
    assert.is(got.data.constructor, want.data.constructor, name);
    assert.equal(bytesOf(got.data), bytesOf(want.data), name);
  }
  assert.is(decodeSafetensors(encodeSafetensors(tensors), 'no metadata').metadata, undefined);
});

test('decoded arrays are copies, aligned, whatever the offset of the input bytes', () => {
  const bytes = encodeSafetensors(sampleTensors());
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  const view = shifted.subarray(3);
  const decoded = decodeSafetensors(view, 'shifted');
  view.fill(0);
  assert.equal([...(decoded.tensors.get('labels')!.data as Int32Array)], [0, -1, 2147483647, -2147483648, 13]);
});

test('the same tensors give the same bytes, whatever the insertion order', () => {
  const tensors = sampleTensors();
  const first = encodeSafetensors(tensors, { b: '2', a: '1' });
  assert.equal(encodeSafetensors(tensors, { b: '2', a: '1' }), first);
  assert.equal(encodeSafetensors(new Map([...tensors].reverse()), { a: '1', b: '2' }), first);
});

test('layout: I64 before F32 before I32, then names in UTF-8 byte order (as the safetensors crate)', () => {
  const f32 = (): TensorToSave => ({ dtype: 'F32', shape: [1], data: Float32Array.of(0) });
  const tensors = new Map<string, TensorToSave>([
    ['z.int', { dtype: 'I32', shape: [1], data: Int32Array.of(0) }],
    ['\u{1d535}', f32()], // U+1D535: UTF-16 orders it before U+FB00, UTF-8 after
    ['\ufb00', f32()],
    ['b', f32()],
    ['a.count', { dtype: 'I64', shape: [], data: BigInt64Array.of(0n) }],
  ]);
  const decoded = decodeSafetensors(encodeSafetensors(tensors), 'order');
  assert.equal([...decoded.tensors.keys()], ['a.count', 'b', '\ufb00', '\u{1d535}', 'z.int']);
});

test('a hand-built two-tensor file, byte for byte', () => {
  const tensors = new Map<string, TensorToSave>([
    ['b', { dtype: 'I32', shape: [2], data: Int32Array.of(1, -1) }],
    ['a', { dtype: 'F32', shape: [1, 2], data: Float32Array.of(1, -2.5) }],
  ]);
  const header = '{"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[2],"data_offsets":[8,16]}}';
  assert.is(header.length, 110);
  const expected = concat(
    [112, 0, 0, 0, 0, 0, 0, 0], // 110 header bytes padded to 112
    header,
    '  ',
    [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0], // 1.0f, -2.5f
    [0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff], // 1, -1
  );
  assert.equal(encodeSafetensors(tensors, undefined, { checksums: false }), expected);
});

test('the reference implementation\'s own test vectors, both ways', () => {
  const attn = Float32Array.of(0, 1, 2, 3, 4, 5);
  const i32zeros = new Int32Array(4);
  const cases: [string, Map<string, TensorToSave>, Record<string, string> | undefined, Uint8Array][] = [
    ['no tensors', new Map(), undefined, concat(lengthField(8), '{}      ')],
    ['no tensors, metadata', new Map(), { framework: 'pt' }, concat(lengthField(40), '{"__metadata__":{"framework":"pt"}}     ')],
    [
      'F32 [1,2,3], header already aligned',
      new Map([['attn.0', { dtype: 'F32', shape: [1, 2, 3], data: attn }]]),
      undefined,
      concat(lengthField(64), '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}', bytesOf(attn)),
    ],
    [
      'I32 [2,2] with metadata',
      new Map([['test1', { dtype: 'I32', shape: [2, 2], data: i32zeros }]]),
      { framework: 'pt' },
      concat(lengthField(96), '{"__metadata__":{"framework":"pt"},"test1":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}} ', bytesOf(i32zeros)),
    ],
  ];
  for (const [name, tensors, metadata, expected] of cases) {
    assert.equal(encodeSafetensors(tensors, metadata, { checksums: false }), expected, name);
    const decoded = decodeSafetensors(expected, name);
    assert.equal(encodeSafetensors(decoded.tensors, decoded.metadata, { checksums: false }), expected, `${name}: decode then encode`);
  }
});

test('names and metadata are escaped as serde_json escapes them', () => {
  const name = 'a\u0001\n"\\/\u007fé✓';
  const bytes = encodeSafetensors(new Map([[name, { dtype: 'I32', shape: [], data: Int32Array.of(0) }]]), { 'k\t': 'v\u001f' }, { checksums: false });
  const header = '{"__metadata__":{"k\\t":"v\\u001f"},"a\\u0001\\n\\"\\\\/\u007fé✓":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}';
  const headerBytes = ascii.encode(header);
  assert.equal(bytes.subarray(8, 8 + headerBytes.length), headerBytes);
  assert.is(decodeSafetensors(bytes, 'escapes').tensors.has(name), true);
});

test('reads files other writers lay out differently: unpadded header, tensors not in offset order', () => {
  const header = '{"late":{"dtype":"I32","shape":[1],"data_offsets":[4,8]},"early":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
  const bytes = concat(lengthField(header.length), header, [0, 0, 0x80, 0x3f, 7, 0, 0, 0]);
  const decoded = decodeSafetensors(bytes, 'unpadded');
  assert.equal([...decoded.tensors.keys()], ['early', 'late']);
  assert.equal([...decoded.tensors.get('early')!.data], [1]);
  assert.equal([...decoded.tensors.get('late')!.data], [7]);
});

test('every malformed file is a CheckpointError naming the file and the problem', () => {
  const entry = (dtype: string, shape: string, offsets: string) => `{"dtype":${dtype},"shape":${shape},"data_offsets":${offsets}}`;
  const valid = encodeSafetensors(sampleTensors(), { format: 'pt' });
  decodeFails(new Uint8Array(0), /truncated: the file has 0 bytes/);
  decodeFails(valid.subarray(0, 5), /truncated: the file has 5 bytes/);
  decodeFails(valid.subarray(0, 40), /truncated: the header length \d+ is beyond the end of the 40-byte file/);
  decodeFails(valid.subarray(0, valid.length - 1), /truncated: tensor "[^"]+" has data_offsets \[\d+, \d+\] beyond the end/);
  decodeFails(concat([0, 0, 0, 0, 0, 1, 0, 0], '{}'), /header length 1099511627776 is over the 100000000-byte limit/);
  decodeFails(concat([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], '{}'), /header length 18446744073709551615 is over/);
  decodeFails(concat(lengthField(8), '{"a":', [0xff], '} '), /header is not valid UTF-8/);
  decodeFails(fileWithHeader('{"a":{"dtype":"F32"', 0), /header is not JSON/);
  decodeFails(concat(lengthField(8), [0xef, 0xbb, 0xbf], '{}   '), /header is not JSON/);
  decodeFails(fileWithHeader('[]', 0), /header is JSON but not an object \(it is an array\)/);
  decodeFails(fileWithHeader('"x"', 0), /header is JSON but not an object/);
  decodeFails(fileWithHeader(`{"w":${entry('"Q7"', '[1]', '[0,4]')}}`, 4), /tensor "w": bad dtype "Q7"/);
  decodeFails(fileWithHeader(`{"w":${entry('7', '[1]', '[0,4]')}}`, 4), /tensor "w": bad dtype 7/);
  decodeFails(fileWithHeader(`{"w":${entry('"F16"', '[2]', '[0,4]')}}`, 4), /tensor "w": dtype F16 is not supported/);
  decodeFails(fileWithHeader(`{"w":${entry('"F32"', '[-1]', '[0,4]')}}`, 4), /tensor "w": shape \[-1\] is not an array of non-negative integers/);
  decodeFails(fileWithHeader(`{"w":${entry('"F32"', '[1.5]', '[0,4]')}}`, 4), /shape \[1.5\] is not/);
  decodeFails(fileWithHeader(`{"w":${entry('"F32"', '"1"', '[0,4]')}}`, 4), /shape "1" is not/);
  decodeFails(fileWithHeader(`{"w":${entry('"F32"', '[1]', '[0]')}}`, 4), /data_offsets \[0\] is not a pair/);
  decodeFails(fileWithHeader(`{"w":${entry('"F32"', '[1]', '[0,1e300]')}}`, 4), /data_offsets \[0,1e\+300\] is not a pair/);
  decodeFails(fileWithHeader(`{"w":${entry('"F32"', '[1]', '[4,0]')}}`, 4), /data_offsets \[4, 0\] end before they begin/);
  decodeFails(fileWithHeader(`{"w":${entry('"F32"', '[1]', '[0,8]')}}`, 4), /truncated: tensor "w" has data_offsets \[0, 8\] beyond the end of the 4-byte data section/);
  decodeFails(fileWithHeader(`{"w":${entry('"F32"', '[2]', '[0,4]')}}`, 4), /tensor "w": data_offsets \[0, 4\] hold 4 bytes, but F32 \[2\] needs 8/);
  decodeFails(fileWithHeader(`{"w":${entry('"I64"', '[4294967296,4294967296,4096]', '[0,4]')}}`, 4), /needs more than 2\^53/);
  decodeFails(fileWithHeader(`{"a":${entry('"F32"', '[2]', '[0,8]')},"b":${entry('"F32"', '[2]', '[4,12]')}}`, 12), /tensor "b" \(data_offsets \[4, 12\]\) overlaps tensor "a" \(data_offsets \[0, 8\]\)/);
  decodeFails(fileWithHeader(`{"a":${entry('"F32"', '[1]', '[0,4]')},"b":${entry('"F32"', '[1]', '[8,12]')}}`, 12), /bytes 4 to 8 of the data section belong to no tensor \(a gap before tensor "b"\)/);
  decodeFails(fileWithHeader(`{"a":${entry('"F32"', '[1]', '[4,8]')}}`, 8), /bytes 0 to 4 of the data section belong to no tensor/);
  decodeFails(fileWithHeader(`{"a":${entry('"F32"', '[1]', '[0,4]')}}`, 6), /bytes 4 to 6 of the data section belong to no tensor \(trailing bytes/);
  decodeFails(fileWithHeader('{"a":{"dtype":"F32","shape":[1]}}', 4), /tensor "a": the header entry has no "data_offsets"/);
  decodeFails(fileWithHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"strides":[1]}}`, 4), /tensor "a": the header entry has an unknown field "strides"/);
  decodeFails(fileWithHeader('{"a":[1]}', 0), /tensor "a": its header entry is an array, not an object/);
  decodeFails(fileWithHeader('{"__metadata__":{"epoch":3}}', 0), /__metadata__ entry "epoch" is the number 3, not a string/);
  decodeFails(fileWithHeader('{"__metadata__":{"a":"x","b":null}}', 0), /__metadata__ entry "b" is null, not a string/);
  decodeFails(fileWithHeader('{"__metadata__":["pt"]}', 0), /__metadata__ is an array, not an object of strings/);
  decodeFails(fileWithHeader(`{"${'n'.repeat(5000)}":${entry('"F32"', '[1]', '[0,9]')}}`, 4), /tensor "n{100,}\.\.\. has data_offsets/);
});

test('bad input to the encoder is a CheckpointError naming the tensor', () => {
  const one = (tensor: TensorToSave, name = 'w') => new Map([[name, tensor]]);
  encodeFails(one({ dtype: 'F32', shape: [2], data: Int32Array.of(1, 2) }), /tensor "w": dtype F32 needs its data in a Float32Array, not Int32Array/);
  encodeFails(one({ dtype: 'I64', shape: [1], data: Float32Array.of(1) }), /dtype I64 needs its data in a BigInt64Array/);
  encodeFails(one({ dtype: 'F16' as 'F32', shape: [1], data: Float32Array.of(1) }), /tensor "w": dtype "F16" is not one of F32, I64, I32/);
  encodeFails(one({ dtype: 'F32', shape: [3], data: Float32Array.of(1, 2) }), /tensor "w": shape \[3\] has 3 elements but the data has 2/);
  encodeFails(one({ dtype: 'F32', shape: [-2, -1], data: Float32Array.of(1, 2) }), /shape \[-2, -1\] is not a list of non-negative integers/);
  encodeFails(one({ dtype: 'F32', shape: [1], data: Float32Array.of(1) }, '__metadata__'), /reserved/);
  encodeFails(one({ dtype: 'F32', shape: [1], data: Float32Array.of(1) }, 'w\ud800'), /lone UTF-16 surrogate/);
  const fine = one({ dtype: 'F32', shape: [1], data: Float32Array.of(1) });
  encodeFails(fine, /metadata entry "step" is number, not a string/, { step: 3 as unknown as string });
  encodeFails(fine, /metadata entry "k" has a lone UTF-16 surrogate/, { k: '\udc00' });
});

test.run();
