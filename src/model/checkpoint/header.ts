// Reads and checks the JSON header of a safetensors file against the format's
// schema: every problem becomes a CheckpointError naming the file and the entry.
import { CheckpointError, quoted } from './errors';
import { isCheckpointDtype, knownSafetensorsDtypes, type CheckpointDtype } from './tensor';

export interface HeaderEntry {
  name: string;
  dtype: CheckpointDtype;
  shape: number[];
  begin: number;
  end: number;
}

export interface Header {
  entries: HeaderEntry[];
  metadata: Record<string, string> | undefined;
}

export const metadataKey = '__metadata__';
const entryFields = ['dtype', 'shape', 'data_offsets'];

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseHeader(headerBytes: Uint8Array, source: string): Header {
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
