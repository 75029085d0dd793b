// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length, a JSON header padded with spaces to 8 bytes, then
// the tensors' little-endian bytes, back to back. The writer follows the reference
// serialiser so that the same state dict gives the same bytes as PyTorch's
// `safetensors.torch.save_file`. The reader checks everything against the
// format's schema; every problem is a CheckpointError naming the file and the entry.
//
// Our files also carry a CRC-32 of each tensor's bytes and of the rest of the
// metadata, in the free-form metadata the format allows (see checksumKey), and
// the reader checks them: a flipped bit is an error naming the tensor, not a
// model that loads and quietly scores worse. Files without them (PyTorch's,
// older ones of ours) load as before, checked for structure only.

import { crc32 } from '../base/crc32';
import { formatShape } from '../base/shape';
import { CheckpointError, quoted } from './errors';

export type CheckpointDtype = 'F32' | 'I64' | 'I32';

export type CheckpointTensor =
  | { dtype: 'F32'; shape: number[]; data: Float32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array };

/** What a caller hands to the encoder; checked at run time, since dtype and data may disagree. */
export interface TensorToSave {
  dtype: CheckpointDtype;
  shape: readonly number[];
  data: Float32Array | BigInt64Array | Int32Array;
}

export interface DecodedCheckpoint {
  /** In file order. */
  tensors: Map<string, CheckpointTensor>;
  /** The header's `__metadata__` less the checksums, or undefined where nothing else is left. */
  metadata: Record<string, string> | undefined;
}

export interface EncodeOptions {
  /**
   * Add the checksums (default true). Without them the bytes are exactly those of
   * PyTorch's `save_file` for the same tensors and metadata.
   */
  checksums?: boolean;
}

/**
 * The metadata entry holding the checksums: a JSON object from each tensor's
 * name to the CRC-32 (ISO-HDLC, as zlib's) of its little-endian data bytes, as
 * 8 lower-case hex digits, plus under "__metadata__" the CRC-32 of the other
 * metadata entries as the writer lays them out (keys in UTF-8 byte order,
 * `{"key":"value",...}`, no spaces). Any safetensors reader can check them.
 */
export const checksumKey = 'crc32';

/** The reference reader refuses headers over 100 MB; we neither read nor write them. */
const maxHeaderBytes = 100_000_000;
const lengthFieldBytes = 8;
const encoderSource = 'checkpoint being encoded';
const metadataKey = '__metadata__';
const entryFields = ['dtype', 'shape', 'data_offsets'];

const bytesPerElement: Record<CheckpointDtype, number> = { F32: 4, I64: 8, I32: 4 };

/**
 * Position of each dtype in the safetensors crate's `Dtype` enum. Its writer orders
 * tensors by this, descending (the widest alignment first), then by name, so our
 * files lay tensors out in the same order as PyTorch's `save_file`.
 */
const safetensorsDtypeRank: Record<CheckpointDtype, number> = { I32: 0, F32: 1, I64: 2 };

/** Every dtype the safetensors format defines, so an unsupported one is told apart from garbage. */
const knownSafetensorsDtypes: ReadonlySet<string> = new Set([
  'BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ',
  'F8_E5M2FNUZ', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'C64', 'F64', 'I64', 'U64',
]);

function isCheckpointDtype(dtype: string): dtype is CheckpointDtype {
  return dtype === 'F32' || dtype === 'I64' || dtype === 'I32';
}

export function encodeSafetensors(tensors: ReadonlyMap<string, TensorToSave>, metadata?: Readonly<Record<string, string>>, options: EncodeOptions = {}): Uint8Array {
  const ordered = [...tensors].map(([name, tensor]) => {
    checkTensorToSave(name, tensor);
    return { name, nameBytes: utf8Encoder.encode(name), tensor };
  });
  ordered.sort((a, b) => safetensorsDtypeRank[b.tensor.dtype] - safetensorsDtypeRank[a.tensor.dtype] || compareUtf8(a.nameBytes, b.nameBytes));
  if (options.checksums ?? true) metadata = withChecksums(metadata, ordered);

  const fields: string[] = [];
  if (metadata !== undefined) fields.push(`"${metadataKey}":${metadataJson(metadata)}`);
  let dataBytes = 0;
  for (const { name, tensor } of ordered) {
    const end = dataBytes + tensor.data.byteLength;
    fields.push(`${JSON.stringify(name)}:{"dtype":"${tensor.dtype}","shape":[${tensor.shape.join(',')}],"data_offsets":[${dataBytes},${end}]}`);
    dataBytes = end;
  }
  const json = utf8Encoder.encode(`{${fields.join(',')}}`);
  const headerBytes = Math.ceil(json.length / 8) * 8;
  if (headerBytes > maxHeaderBytes) throw new CheckpointError(encoderSource, `the header would be ${headerBytes} bytes, over the ${maxHeaderBytes}-byte limit of safetensors readers`);

  const out = new Uint8Array(lengthFieldBytes + headerBytes + dataBytes);
  writeU64LittleEndian(out, 0, headerBytes);
  out.set(json, lengthFieldBytes);
  out.fill(0x20, lengthFieldBytes + json.length, lengthFieldBytes + headerBytes);
  let at = lengthFieldBytes + headerBytes;
  for (const { tensor } of ordered) {
    out.set(littleEndianBytes(tensor.data), at);
    at += tensor.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, source: string): DecodedCheckpoint {
  const fail = (problem: string) => new CheckpointError(source, problem);
  if (bytes.length < lengthFieldBytes) throw fail(`truncated: the file has ${bytes.length} bytes, fewer than the 8 of its header length`);
  const declared = readU64LittleEndian(bytes, 0);
  if (declared > BigInt(maxHeaderBytes)) {
    throw fail(`the header length ${declared} is over the ${maxHeaderBytes}-byte limit of safetensors readers${declared > BigInt(bytes.length) ? ` and beyond the end of the ${bytes.length}-byte file` : ''}`);
  }
  const headerBytes = Number(declared);
  const dataStart = lengthFieldBytes + headerBytes;
  if (dataStart > bytes.length) throw fail(`truncated: the header length ${headerBytes} is beyond the end of the ${bytes.length}-byte file`);

  const { entries, metadata } = parseHeader(bytes.subarray(lengthFieldBytes, dataStart), source);
  const dataBytes = bytes.length - dataStart;
  checkDataLayout(entries, dataBytes, fail);

  const checksums = metadata?.[checksumKey] === undefined ? null : parseChecksums(metadata[checksumKey], entries, fail);
  const rest = checksums === null ? metadata : withoutChecksums(metadata!);
  if (checksums !== null) checkChecksum(metadataKey, 'the metadata', checksums, crc32(utf8Encoder.encode(metadataJson(rest ?? {}))), fail);
  const tensors = new Map<string, CheckpointTensor>();
  for (const entry of entries) {
    const data = bytes.subarray(dataStart + entry.begin, dataStart + entry.end);
    if (checksums !== null) checkChecksum(entry.name, `tensor ${quoted(entry.name)} (${entry.dtype} ${formatShape(entry.shape)}, bytes ${entry.begin} to ${entry.end} of the data)`, checksums, crc32(data), fail);
    tensors.set(entry.name, tensorFromBytes(entry, data));
  }
  return { tensors, metadata: rest };
}

// Checksums: written into the metadata, checked on every read.

function withChecksums(metadata: Readonly<Record<string, string>> | undefined, ordered: readonly { name: string; tensor: TensorToSave }[]): Record<string, string> {
  const rest = withoutChecksums(metadata ?? {}) ?? {};
  const sums = Object.fromEntries([
    [metadataKey, hex(crc32(utf8Encoder.encode(metadataJson(rest))))],
    ...ordered.map(({ name, tensor }) => [name, hex(crc32(littleEndianBytes(tensor.data)))]),
  ]);
  return { ...rest, [checksumKey]: JSON.stringify(sums) };
}

/** The metadata less the checksum entry; undefined where nothing is left. */
function withoutChecksums(metadata: Readonly<Record<string, string>>): Record<string, string> | undefined {
  const rest = Object.fromEntries(Object.entries(metadata).filter(([key]) => key !== checksumKey));
  return Object.keys(rest).length > 0 ? rest : undefined;
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** The stored checksums, which must name exactly the metadata and the file's tensors. */
function parseChecksums(text: string, entries: readonly HeaderEntry[], fail: (problem: string) => CheckpointError): Map<string, string> {
  const where = `the ${metadataKey} entry ${quoted(checksumKey)}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw fail(`${where} is not JSON: the header is damaged`);
  }
  if (!isJsonObject(parsed)) throw fail(`${where} is ${describeJson(parsed)}, not an object of checksums: the header is damaged`);
  const sums = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' || !/^[0-9a-f]{8}$/.test(value)) throw fail(`${where}: the checksum of ${quoted(name)} is ${quoted(value)}, not 8 hex digits: the header is damaged`);
    sums.set(name, value);
  }
  const names = new Set(entries.map((e) => e.name));
  const unchecked = entries.find((e) => !sums.has(e.name));
  if (unchecked !== undefined) throw fail(`tensor ${quoted(unchecked.name)} has no checksum in ${where}: the header is damaged (a changed name?)`);
  const stray = [...sums.keys()].find((name) => name !== metadataKey && !names.has(name));
  if (stray !== undefined) throw fail(`${where} has a checksum for ${quoted(stray)}, which is not a tensor of the file: the header is damaged (a changed name?)`);
  if (!sums.has(metadataKey)) throw fail(`${where} has no checksum of the metadata: the header is damaged`);
  return sums;
}

function checkChecksum(name: string, what: string, sums: ReadonlyMap<string, string>, actual: number, fail: (problem: string) => CheckpointError): void {
  const stored = sums.get(name)!;
  if (stored !== hex(actual)) throw fail(`${what} does not match its checksum (CRC-32 ${hex(actual)}, stored ${stored}): the file is damaged`);
}

/**
 * The data section must be exactly the tensors, in offset order, back to back:
 * no gap, no overlap, each the size its shape and dtype say, nothing after the last.
 * Sorts `entries` by offset.
 */
function checkDataLayout(entries: HeaderEntry[], dataBytes: number, fail: (problem: string) => CheckpointError): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: HeaderEntry | undefined;
  for (const entry of entries) {
    const tensor = `tensor ${quoted(entry.name)}`;
    if (entry.end > dataBytes) {
      throw fail(`truncated: ${tensor} has data_offsets [${entry.begin}, ${entry.end}] beyond the end of the ${dataBytes}-byte data section`);
    }
    if (entry.begin < covered) {
      throw fail(`${tensor} (data_offsets [${entry.begin}, ${entry.end}]) overlaps tensor ${quoted(previous!.name)} (data_offsets [${previous!.begin}, ${previous!.end}])`);
    }
    if (entry.begin > covered) throw fail(`bytes ${covered} to ${entry.begin} of the data section belong to no tensor (a gap before ${tensor})`);
    const expected = expectedByteLength(entry);
    if (entry.end - entry.begin !== expected) {
      throw fail(`${tensor}: data_offsets [${entry.begin}, ${entry.end}] hold ${entry.end - entry.begin} bytes, but ${entry.dtype} ${formatShape(entry.shape)} needs ${expected ?? 'more than 2^53'}`);
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataBytes) throw fail(`bytes ${covered} to ${dataBytes} of the data section belong to no tensor (trailing bytes after the last tensor)`);
}

/** Bytes the entry's shape and dtype need, or undefined where that overflows the exactly representable integers. */
function expectedByteLength(entry: HeaderEntry): number | undefined {
  let size = bytesPerElement[entry.dtype];
  for (const dim of entry.shape) {
    size *= dim;
    if (size > Number.MAX_SAFE_INTEGER) return undefined;
  }
  return size;
}

function tensorFromBytes(entry: HeaderEntry, littleEndian: Uint8Array): CheckpointTensor {
  const { dtype, shape } = entry;
  const buffer = hostOrderCopy(littleEndian, bytesPerElement[dtype]);
  switch (dtype) {
    case 'F32':
      return { dtype, shape, data: new Float32Array(buffer) };
    case 'I64':
      return { dtype, shape, data: new BigInt64Array(buffer) };
    case 'I32':
      return { dtype, shape, data: new Int32Array(buffer) };
  }
}

function checkTensorToSave(name: string, tensor: TensorToSave): void {
  const fail = (problem: string) => new CheckpointError(encoderSource, `tensor ${quoted(name)}: ${problem}`);
  if (name === metadataKey) throw fail(`the name ${metadataKey} is reserved for the header's metadata`);
  if (!isWellFormedUnicode(name)) throw fail('the name has a lone UTF-16 surrogate, which UTF-8 cannot hold');
  const { dtype, shape, data } = tensor;
  if (!isCheckpointDtype(dtype)) throw fail(`dtype ${quoted(dtype)} is not one of F32, I64, I32`);
  const arrayType = { F32: Float32Array, I64: BigInt64Array, I32: Int32Array }[dtype];
  if (!(data instanceof arrayType)) throw fail(`dtype ${dtype} needs its data in a ${arrayType.name}, not ${data?.constructor?.name ?? String(data)}`);
  if (!shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) throw fail(`shape ${formatShape(shape)} is not a list of non-negative integers`);
  const elements = shape.reduce((product, dim) => product * dim, 1);
  if (elements !== data.length) throw fail(`shape ${formatShape(shape)} has ${elements} elements but the data has ${data.length}`);
}

/** Keys in UTF-8 byte order: the reference writes a hash map here, whose order varies from run to run. */
function metadataJson(metadata: Readonly<Record<string, string>>): string {
  const keys = Object.keys(metadata).map((key) => ({ key, bytes: utf8Encoder.encode(key) }));
  keys.sort((a, b) => compareUtf8(a.bytes, b.bytes));
  const fields = keys.map(({ key }) => {
    const value = metadata[key];
    if (typeof value !== 'string') throw new CheckpointError(encoderSource, `metadata entry ${quoted(key)} is ${typeof value}, not a string`);
    if (!isWellFormedUnicode(key) || !isWellFormedUnicode(value)) {
      throw new CheckpointError(encoderSource, `metadata entry ${quoted(key)} has a lone UTF-16 surrogate, which UTF-8 cannot hold`);
    }
    return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  });
  return `{${fields.join(',')}}`;
}

// The JSON header, checked field by field.

interface HeaderEntry {
  name: string;
  dtype: CheckpointDtype;
  shape: number[];
  begin: number;
  end: number;
}

interface Header {
  entries: HeaderEntry[];
  metadata: Record<string, string> | undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseHeader(headerBytes: Uint8Array, source: string): Header {
  const fail = (problem: string) => new CheckpointError(source, problem);
  let text: string;
  try {
    text = strictUtf8.decode(headerBytes);
  } catch {
    throw fail('the header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw fail(`the header is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isJsonObject(parsed)) throw fail(`the header is JSON but not an object (it is ${describeJson(parsed)})`);

  let metadata: Record<string, string> | undefined;
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (name === metadataKey) metadata = checkMetadata(value, fail);
    else entries.push(checkEntry(name, value, fail));
  }
  return { entries, metadata };
}

function checkMetadata(value: unknown, fail: (problem: string) => CheckpointError): Record<string, string> {
  if (!isJsonObject(value)) throw fail(`${metadataKey} is ${describeJson(value)}, not an object of strings`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw fail(`${metadataKey} entry ${quoted(key)} is ${describeJson(item)}, not a string`);
  }
  return value as Record<string, string>;
}

function checkEntry(name: string, value: unknown, fail: (problem: string) => CheckpointError): HeaderEntry {
  const tensor = `tensor ${quoted(name)}`;
  if (!isJsonObject(value)) throw fail(`${tensor}: its header entry is ${describeJson(value)}, not an object`);
  for (const field of entryFields) {
    if (!Object.hasOwn(value, field)) throw fail(`${tensor}: the header entry has no "${field}"`);
  }
  const extra = Object.keys(value).find((field) => !entryFields.includes(field));
  if (extra !== undefined) throw fail(`${tensor}: the header entry has an unknown field ${quoted(extra)}`);

  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !isCheckpointDtype(dtype)) {
    const supported = 'this engine reads F32, I64 and I32';
    if (typeof dtype === 'string' && knownSafetensorsDtypes.has(dtype)) throw fail(`${tensor}: dtype ${dtype} is not supported (${supported})`);
    throw fail(`${tensor}: bad dtype ${quoted(dtype)} (${supported})`);
  }
  if (!isSizeArray(shape)) throw fail(`${tensor}: shape ${quoted(shape)} is not an array of non-negative integers`);
  if (!isSizeArray(offsets) || offsets.length !== 2) {
    throw fail(`${tensor}: data_offsets ${quoted(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw fail(`${tensor}: data_offsets [${begin}, ${end}] end before they begin`);
  return { name, dtype, shape, begin, end };
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSizeArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => Number.isSafeInteger(item) && item >= 0);
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `the ${typeof value} ${quoted(value)}`;
}

// Bytes: UTF-8 names, little-endian numbers.

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const utf8Encoder = new TextEncoder();

/** Rust orders `String`s by their UTF-8 bytes; JavaScript's `<` compares UTF-16 units, which differs above U+FFFF. */
function compareUtf8(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/** A lone surrogate has no UTF-8 form: TextEncoder would silently turn it into U+FFFD. */
function isWellFormedUnicode(text: string): boolean {
  return !/\p{Cs}/u.test(text);
}

function writeU64LittleEndian(out: Uint8Array, offset: number, value: number): void {
  let rest = BigInt(value);
  for (let i = 0; i < 8; i++) {
    out[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

function readU64LittleEndian(bytes: Uint8Array, offset: number): bigint {
  let value = 0n;
  for (let i = 7; i >= 0; i--) value = (value << 8n) | BigInt(bytes[offset + i]!);
  return value;
}

/** Reverses the bytes of each element in place: little-endian file bytes to host order or back. */
function reverseEachElement(bytes: Uint8Array, width: number): Uint8Array {
  for (let start = 0; start < bytes.length; start += width) bytes.subarray(start, start + width).reverse();
  return bytes;
}

/** The little-endian bytes of a typed array, whatever the host's byte order. */
function littleEndianBytes(data: Float32Array | BigInt64Array | Int32Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return hostIsLittleEndian ? bytes : reverseEachElement(bytes.slice(), data.BYTES_PER_ELEMENT);
}

/** A fresh, aligned copy of little-endian element bytes in host order, ready to view as a typed array. */
function hostOrderCopy(littleEndian: Uint8Array, width: number): ArrayBuffer {
  const copy = new Uint8Array(littleEndian);
  if (!hostIsLittleEndian) reverseEachElement(copy, width);
  return copy.buffer;
}
