// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length, a JSON header padded with spaces to 8 bytes, then
// the tensors' little-endian bytes, back to back. The writer follows the reference
// serialiser so that the same state dict gives the same bytes as PyTorch's
// `safetensors.torch.save_file`.
import { compareUtf8, hostOrderCopy, isWellFormedUnicode, littleEndianBytes, readU64LittleEndian, utf8Encoder, writeU64LittleEndian } from './bytes';
import { CheckpointError, quoted } from './errors';
import { metadataKey, parseHeader, type HeaderEntry } from './header';
import { formatShape } from '../../gpu/errors';
import { bytesPerElement, isCheckpointDtype, safetensorsDtypeRank, type CheckpointTensor, type TensorToSave } from './tensor';

/** The reference reader refuses headers over 100 MB; we neither read nor write them. */
export const maxHeaderBytes = 100_000_000;
const lengthFieldBytes = 8;
const encoderSource = 'checkpoint being encoded';

export interface DecodedCheckpoint {
  /** In file order. */
  tensors: Map<string, CheckpointTensor>;
  /** The header's `__metadata__`, or undefined where the file has none. */
  metadata: Record<string, string> | undefined;
}

export function encodeSafetensors(tensors: ReadonlyMap<string, TensorToSave>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const ordered = [...tensors].map(([name, tensor]) => {
    checkTensorToSave(name, tensor);
    return { name, nameBytes: utf8Encoder.encode(name), tensor };
  });
  ordered.sort((a, b) => safetensorsDtypeRank[b.tensor.dtype] - safetensorsDtypeRank[a.tensor.dtype] || compareUtf8(a.nameBytes, b.nameBytes));

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

  const tensors = new Map<string, CheckpointTensor>();
  for (const entry of entries) {
    tensors.set(entry.name, tensorFromBytes(entry, bytes.subarray(dataStart + entry.begin, dataStart + entry.end)));
  }
  return { tensors, metadata };
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
