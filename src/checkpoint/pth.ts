// PyTorch checkpoints as torch.save writes a state dict: since PyTorch 1.6 a zip
// of `<archive>/data.pkl` (the pickled dict, tensors as calls of
// torch._utils._rebuild_tensor_v2 on persistent ids ('storage', type, key,
// location, numel)) and `<archive>/data/<key>` (each storage's raw bytes,
// little-endian); before 1.6 a run of pickles followed by the storages. Read by
// our own restricted pickle reader: only a state dict's content is accepted
// (ordered dicts, tensors, strings, numbers) and nothing in the file is run.
// No file io: the same bytes decode in Node and in browsers.

import { formatShape } from '../base/shape';
import { CheckpointError, quoted } from './errors';
import { PickleDict, PickleGlobal, PickleObject, describe, unpickle, type AllowedGlobal, type PickleValue, type UnpickleOptions } from './pickle';
import type { CheckpointTensor } from './safetensors';
import { isZip, readZip } from './zip';

export interface DecodedPth {
  /** The state dict's tensors, in file order, under the file's own names. */
  tensors: Map<string, CheckpointTensor>;
  /** `zip` (PyTorch 1.6 and later) or `legacy` (the format before). */
  format: 'zip' | 'legacy';
}

type Dtype = CheckpointTensor['dtype'];

/** Storage types by the global that names them; those without a dtype are known but not read. */
const storageTypes: Record<string, { dtype: Dtype; bytes: number } | { unsupported: string }> = {
  'torch.FloatStorage': { dtype: 'F32', bytes: 4 },
  'torch.LongStorage': { dtype: 'I64', bytes: 8 },
  'torch.IntStorage': { dtype: 'I32', bytes: 4 },
  'torch.DoubleStorage': { unsupported: 'float64' },
  'torch.HalfStorage': { unsupported: 'float16' },
  'torch.BFloat16Storage': { unsupported: 'bfloat16' },
  'torch.ShortStorage': { unsupported: 'int16' },
  'torch.CharStorage': { unsupported: 'int8' },
  'torch.ByteStorage': { unsupported: 'uint8' },
  'torch.BoolStorage': { unsupported: 'bool' },
  'torch.ComplexFloatStorage': { unsupported: 'complex64' },
  'torch.ComplexDoubleStorage': { unsupported: 'complex128' },
};

/** The magic number and format version that open a pre-1.6 file. */
const legacyMagic = 0x1950a86a20f9469cfc6cn;
const legacyProtocolVersion = 1001;

class Storage extends PickleObject {
  readonly description: string;
  constructor(
    readonly type: string,
    readonly dtype: Dtype,
    readonly bytesPerElement: number,
    readonly key: string,
    readonly numel: number,
  ) {
    super();
    this.description = `storage ${quoted(key)} (${type})`;
  }
}

class TensorRecord extends PickleObject {
  readonly description = 'a tensor';
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {
    super();
  }
}

/** Every global a state dict needs; the pickle reader refuses all others by name. */
const allowedGlobals: ReadonlyMap<string, AllowedGlobal> = new Map<string, AllowedGlobal>([
  ['collections.OrderedDict', { call: orderedDict }],
  ['torch._utils._rebuild_tensor_v2', { call: rebuildTensor }],
  ['torch._utils._rebuild_parameter', { call: rebuildParameter }],
  ...Object.keys(storageTypes).map((name): [string, AllowedGlobal] => [name, {}]),
]);

/** The names the pickle reader accepts as globals, for documentation and errors. */
export const pthAllowedGlobals: readonly string[] = [...allowedGlobals.keys()];

export function decodePth(bytes: Uint8Array, source: string): DecodedPth {
  if (isZip(bytes)) return { tensors: decodeZip(bytes, source), format: 'zip' };
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) return { tensors: decodeLegacy(bytes, source), format: 'legacy' };
  throw new CheckpointError(source, bytes.length === 0 ? 'the file is empty' : 'not a PyTorch checkpoint: neither a zip archive (torch.save since 1.6) nor a pickle (the format before)');
}

function decodeZip(bytes: Uint8Array, source: string): Map<string, CheckpointTensor> {
  const entries = readZip(bytes, source);
  const fail = (problem: string) => new CheckpointError(source, problem);
  const pickles = [...entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) {
    const torchScript = [...entries.keys()].some((name) => /^[^/]+\/(constants\.pkl|code\/)/.test(name));
    if (torchScript) throw fail('a TorchScript archive (torch.jit.save), not a state dict: save model.state_dict() with torch.save');
    throw fail(pickles.length === 0 ? 'a zip file without <archive>/data.pkl: not a PyTorch checkpoint' : `a zip file with ${pickles.length} data.pkl records (${pickles.join(', ')}); a PyTorch checkpoint has one`);
  }
  const pickleName = pickles[0]!;
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const byteorder = entries.get(`${prefix}byteorder`);
  if (byteorder) {
    const order = new TextDecoder().decode(byteorder.read());
    if (order !== 'little') throw fail(`the storages are ${quoted(order)}-endian; this reader reads little-endian checkpoints`);
  }
  const options = pickleOptions(`${source}, ${pickleName}`, 5);
  const { value, end } = unpickle(entries.get(pickleName)!.read(), options);
  if (end !== entries.get(pickleName)!.size) throw fail(`${pickleName} has ${entries.get(pickleName)!.size - end} bytes after the pickle's STOP`);
  return materialise(stateDict(value, fail), fail, (storage) => {
    const name = `${prefix}data/${storage.key}`;
    const entry = entries.get(name);
    if (!entry) throw fail(`${storage.description} has no record ${quoted(name)} in the archive`);
    return { data: entry.read(), where: `record ${quoted(name)}` };
  });
}

/** PyTorch before 1.6: magic number, format version, system info, the state dict, its storage keys, then each storage (int64 count, bytes). */
function decodeLegacy(bytes: Uint8Array, source: string): Map<string, CheckpointTensor> {
  const fail = (problem: string) => new CheckpointError(source, `(pre-1.6 format) ${problem}`);
  let at = 0;
  const next = (options: UnpickleOptions): PickleValue => {
    const read = unpickle(bytes, options, at);
    at = read.end;
    return read.value;
  };
  const plain: UnpickleOptions = {
    source,
    globals: new Map(),
    persistentLoad: (_id, refuse) => {
      throw refuse('not expected in the file header');
    },
  };
  if (next(plain) !== legacyMagic) throw fail('a pickle, but not a PyTorch checkpoint: it does not open with PyTorch\'s magic number');
  const version = next(plain);
  if (version !== legacyProtocolVersion) throw fail(`format version ${describe(version)}; this reader knows ${legacyProtocolVersion}`);
  const system = next(plain);
  if (!(system instanceof PickleDict) || system.get('little_endian') !== true) throw fail('the storages are not little-endian (or the system record is missing)');
  const state = stateDict(next(pickleOptions(source, 6)), fail);
  const keys = next(plain);
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw fail(`the list of storage keys is ${describe(keys as PickleValue)}, not a list of strings`);

  const types = new Map<string, Storage>();
  for (const tensor of state.values()) types.set(tensor.storage.key, tensor.storage);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, Uint8Array>();
  for (const key of keys as string[]) {
    const storage = types.get(key);
    if (!storage) throw fail(`storage ${quoted(key)} is listed but no tensor uses it`);
    if (at + 8 > bytes.length) throw fail(`truncated: storage ${quoted(key)} should start at byte ${at}, beyond the end of the ${bytes.length}-byte file`);
    const count = view.getBigInt64(at, true);
    if (count !== BigInt(storage.numel)) throw fail(`storage ${quoted(key)} holds ${count} elements in the file, but its tensors' record says ${storage.numel}`);
    const size = storage.numel * storage.bytesPerElement;
    if (at + 8 + size > bytes.length) throw fail(`truncated: storage ${quoted(key)} (${size} bytes from byte ${at + 8}) runs past the end of the ${bytes.length}-byte file`);
    storages.set(key, bytes.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  if (at !== bytes.length) throw fail(`${bytes.length - at} bytes after the last storage`);
  return materialise(state, fail, (storage) => {
    const data = storages.get(storage.key);
    if (!data) throw fail(`${storage.description} is not among the file's storages`);
    return { data, where: `the file's storage ${quoted(storage.key)}` };
  });
}

function pickleOptions(source: string, persistentIdLength: 5 | 6): UnpickleOptions {
  return { source, globals: allowedGlobals, persistentLoad: (id, fail) => storageFromId(id, persistentIdLength, fail) };
}

/** ('storage', type, key, location, numel), and in the pre-1.6 format a sixth field, view metadata, which must be None. */
function storageFromId(id: PickleValue, length: 5 | 6, fail: (problem: string) => Error): Storage {
  if (!Array.isArray(id) || id.length !== length || id[0] !== 'storage') throw fail(`${describe(id)} is not a ('storage', type, key, location, numel${length === 6 ? ', view' : ''}) tuple`);
  const [, type, key, location, numel] = id as PickleValue[];
  if (!(type instanceof PickleGlobal) || !(type.name in storageTypes)) throw fail(`the storage type is ${describe(type!)}, not a torch storage type`);
  const kind = storageTypes[type.name]!;
  if ('unsupported' in kind) throw fail(`${type.name} holds ${kind.unsupported} tensors; this reader reads float32, int64 and int32 (convert with .float() before saving)`);
  if (typeof key !== 'string' || typeof location !== 'string') throw fail('the storage key and location must be strings');
  if (!isCount(numel)) throw fail(`storage ${quoted(key)} has an element count of ${describe(numel!)}`);
  if (length === 6 && id[5] !== null) throw fail(`storage ${quoted(key)} is a view of another storage, which this reader does not accept`);
  return new Storage(type.name, kind.dtype, kind.bytes, key, numel);
}

function orderedDict(args: readonly PickleValue[], fail: (problem: string) => Error): PickleDict {
  const dict = new PickleDict();
  if (args.length === 0) return dict;
  const items = args[0];
  if (args.length !== 1 || !Array.isArray(items)) throw fail(`called with ${args.length} arguments; it accepts none or one list of (key, value) pairs`);
  for (const item of items as PickleValue[]) {
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string') throw fail(`an item ${describe(item)}, not a (string, value) pair`);
    dict.set(item[0], item[1]!);
  }
  return dict;
}

/** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
function rebuildTensor(args: readonly PickleValue[], fail: (problem: string) => Error): TensorRecord {
  if (args.length !== 6 && args.length !== 7) throw fail(`called with ${args.length} arguments, not 6 or 7`);
  const [storage, offset, size, stride, requiresGrad, hooks, metadata] = args;
  if (!(storage instanceof Storage)) throw fail(`the storage argument is ${describe(storage!)}`);
  if (!isCount(offset)) throw fail(`the storage offset is ${describe(offset!)}`);
  const shape = counts(size!);
  const strides = counts(stride!);
  if (!shape || !strides || shape.length !== strides.length) throw fail(`size ${describe(size!)} and stride ${describe(stride!)} must be tuples of as many non-negative integers`);
  if (typeof requiresGrad !== 'boolean') throw fail(`requires_grad is ${describe(requiresGrad!)}`);
  if (!(hooks instanceof PickleDict) || hooks.size > 0) throw fail('backward hooks must be an empty OrderedDict');
  if (metadata !== undefined && metadata !== null && !(metadata instanceof PickleDict && metadata.size === 0)) throw fail('tensor metadata must be empty');
  return new TensorRecord(storage, offset, shape, strides);
}

/** _rebuild_parameter(data, requires_grad, backward_hooks): a state dict saved with keep_vars. */
function rebuildParameter(args: readonly PickleValue[], fail: (problem: string) => Error): TensorRecord {
  const [data, requiresGrad, hooks] = args;
  if (args.length !== 3 || !(data instanceof TensorRecord) || typeof requiresGrad !== 'boolean' || !(hooks instanceof PickleDict) || hooks.size > 0) {
    throw fail('expects (tensor, requires_grad, empty backward hooks)');
  }
  return data;
}

function stateDict(value: PickleValue, fail: (problem: string) => CheckpointError): Map<string, TensorRecord> {
  if (!(value instanceof PickleDict)) throw fail(`the file holds ${describe(value)}, not a state dict (an OrderedDict of tensors)`);
  const out = new Map<string, TensorRecord>();
  for (const [name, tensor] of value) {
    if (typeof name !== 'string') throw fail(`a state dict key is ${describe(name)}, not a string`);
    if (!(tensor instanceof TensorRecord)) throw fail(`${quoted(name)} holds ${describe(tensor)}, not a tensor: the file is not a state dict (save model.state_dict())`);
    out.set(name, tensor);
  }
  return out;
}

function materialise(
  state: ReadonlyMap<string, TensorRecord>,
  fail: (problem: string) => CheckpointError,
  storageBytes: (storage: Storage) => { data: Uint8Array; where: string },
): Map<string, CheckpointTensor> {
  const read = new Map<string, { data: Uint8Array; where: string }>();
  const out = new Map<string, CheckpointTensor>();
  for (const [name, t] of state) {
    const { storage } = t;
    const tensor = `tensor ${quoted(name)}`;
    if (!read.has(storage.key)) {
      const bytes = storageBytes(storage);
      const expected = storage.numel * storage.bytesPerElement;
      if (bytes.data.length !== expected) throw fail(`${tensor}: ${bytes.where} holds ${bytes.data.length} bytes, but its record says ${storage.numel} ${storage.dtype} elements (${expected} bytes)`);
      read.set(storage.key, bytes);
    }
    const elements = t.shape.reduce((n, d) => n * d, 1);
    if (elements > storage.numel) throw fail(`${tensor}: shape ${formatShape(t.shape)} has more elements than ${storage.description} (${storage.numel}); expanded tensors are not accepted`);
    const last = elements === 0 ? t.offset : t.shape.reduce((sum, d, i) => sum + (d - 1) * t.stride[i]!, t.offset);
    if (elements > 0 && last >= storage.numel) {
      throw fail(`${tensor}: shape ${formatShape(t.shape)}, stride ${formatShape(t.stride)} from offset ${t.offset} reaches element ${last} of ${storage.description}, which has ${storage.numel}`);
    }
    out.set(name, gather(t, read.get(storage.key)!.data, elements));
  }
  return out;
}

/** The tensor's elements in row-major order, whatever its strides, from little-endian bytes. */
function gather(t: TensorRecord, bytes: Uint8Array, elements: number): CheckpointTensor {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = t.storage.bytesPerElement;
  const index = new Array<number>(t.shape.length).fill(0);
  let position = t.offset;
  const positions = (visit: (i: number, at: number) => void): void => {
    for (let i = 0; i < elements; i++) {
      visit(i, position * width);
      for (let d = t.shape.length - 1; d >= 0; d--) {
        position += t.stride[d]!;
        if (++index[d]! < t.shape[d]!) break;
        position -= t.stride[d]! * t.shape[d]!;
        index[d] = 0;
      }
    }
  };
  const shape = [...t.shape];
  switch (t.storage.dtype) {
    case 'F32': {
      const data = new Float32Array(elements);
      positions((i, at) => (data[i] = view.getFloat32(at, true)));
      return { dtype: 'F32', shape, data };
    }
    case 'I64': {
      const data = new BigInt64Array(elements);
      positions((i, at) => (data[i] = view.getBigInt64(at, true)));
      return { dtype: 'I64', shape, data };
    }
    case 'I32': {
      const data = new Int32Array(elements);
      positions((i, at) => (data[i] = view.getInt32(at, true)));
      return { dtype: 'I32', shape, data };
    }
  }
}

function isCount(value: PickleValue | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function counts(value: PickleValue): number[] | null {
  return Array.isArray(value) && value.every((v) => isCount(v as PickleValue)) ? [...(value as number[])] : null;
}
