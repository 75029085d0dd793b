// The zip container of PyTorch's checkpoints (torch.save since 1.6): entries
// stored uncompressed, found through the central directory (zip64 included, as
// PyTorch writes it for files over 4 GiB). Each entry's CRC-32 is checked when
// it is read. Compressed or encrypted entries are refused: PyTorch writes
// neither. No file io, so browsers read the same bytes.

import { crc32 } from '../base/crc32';
import { CheckpointError, quoted } from './errors';

export interface ZipEntry {
  readonly name: string;
  readonly size: number;
  /** The entry's bytes (a view into the file), its CRC-32 checked. */
  read(): Uint8Array;
}

const signatures = {
  local: 0x04034b50,
  central: 0x02014b50,
  end: 0x06054b50,
  zip64End: 0x06064b50,
  zip64Locator: 0x07064b50,
};
const endRecordBytes = 22;
const maxCommentBytes = 0xffff;
const zip64ExtraId = 0x0001;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true) === signatures.local;
}

/** The entries of a zip file by name; throws CheckpointError naming the file and what is wrong. */
export function readZip(bytes: Uint8Array, source: string): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (problem: string) => new CheckpointError(source, problem);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number): number => {
    const value = view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`a zip64 field at byte ${at} holds ${value}, beyond any file this reader can hold`);
    return Number(value);
  };
  const within = (at: number, length: number, what: string): void => {
    if (at < 0 || at + length > bytes.length) throw fail(`truncated zip: ${what} (bytes ${at} to ${at + length}) is beyond the end of the ${bytes.length}-byte file`);
  };

  const end = findEndRecord(bytes, view);
  if (end < 0) throw fail(`truncated or not a zip file: no end-of-central-directory record in its last ${endRecordBytes + maxCommentBytes} bytes`);
  let entryCount = u16(end + 10);
  let directorySize = u32(end + 12);
  let directoryStart = u32(end + 16);
  if (entryCount === 0xffff || directorySize === 0xffffffff || directoryStart === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || u32(locator) !== signatures.zip64Locator) throw fail('the end record points to a zip64 record, but there is no zip64 locator before it');
    const record = u64(locator + 8);
    within(record, 56, 'the zip64 end record');
    if (u32(record) !== signatures.zip64End) throw fail(`no zip64 end record at byte ${record}, where its locator points`);
    entryCount = u64(record + 32);
    directorySize = u64(record + 40);
    directoryStart = u64(record + 48);
  }
  within(directoryStart, directorySize, 'the central directory');

  const entries = new Map<string, ZipEntry>();
  let at = directoryStart;
  for (let i = 0; i < entryCount; i++) {
    within(at, 46, `central directory entry ${i}`);
    if (u32(at) !== signatures.central) throw fail(`central directory entry ${i} at byte ${at} has no entry signature`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    let storedSize: number = u32(at + 20);
    let size: number = u32(at + 24);
    const nameBytes = u16(at + 28);
    const extraBytes = u16(at + 30);
    const commentBytes = u16(at + 32);
    let localStart: number = u32(at + 42);
    within(at + 46, nameBytes + extraBytes + commentBytes, `the name and extra fields of central directory entry ${i}`);
    const name = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(at + 46, at + 46 + nameBytes));
    const entry = `zip entry ${quoted(name)}`;
    // Zip64: the fields that overflow 32 bits are 0xffffffff and follow in this order in extra field 1.
    const zip64 = findExtra(view, at + 46 + nameBytes, extraBytes, zip64ExtraId);
    let field = zip64 === null ? -1 : zip64.start;
    const next64 = (what: string): number => {
      if (zip64 === null || field + 8 > zip64.start + zip64.length) throw fail(`${entry}: its ${what} is in a zip64 extra field that is missing or too short`);
      const value = u64(field);
      field += 8;
      return value;
    };
    if (size === 0xffffffff) size = next64('size');
    if (storedSize === 0xffffffff) storedSize = next64('compressed size');
    if (localStart === 0xffffffff) localStart = next64('offset');
    if (flags & 0x1) throw fail(`${entry} is encrypted; PyTorch never encrypts its checkpoints`);
    if (method !== 0) {
      throw fail(`${entry} is compressed (zip method ${method}${method === 8 ? ', deflate' : ''}); PyTorch stores its checkpoints uncompressed, so this file was repacked: extract it and zip it again without compression (zip -0)`);
    }
    if (storedSize !== size) throw fail(`${entry} is stored uncompressed but its sizes differ (${storedSize} stored, ${size} declared)`);
    if (entries.has(name)) throw fail(`${entry} appears twice in the central directory`);

    within(localStart, 30, `the local header of ${entry}`);
    if (u32(localStart) !== signatures.local) throw fail(`${entry}: no local header at byte ${localStart}, where the central directory points`);
    const dataStart = localStart + 30 + u16(localStart + 26) + u16(localStart + 28);
    within(dataStart, size, `the data of ${entry}`);
    entries.set(name, {
      name,
      size,
      read() {
        const data = bytes.subarray(dataStart, dataStart + size);
        const actual = crc32(data);
        if (actual !== crc) throw fail(`${entry} is corrupt: its CRC-32 is ${hex(actual)}, the zip directory says ${hex(crc)}`);
        return data;
      },
    });
    at += 46 + nameBytes + extraBytes + commentBytes;
  }
  return entries;
}

function findEndRecord(bytes: Uint8Array, view: DataView): number {
  const last = bytes.length - endRecordBytes;
  for (let at = last; at >= Math.max(0, last - maxCommentBytes); at--) {
    if (view.getUint32(at, true) === signatures.end && at + endRecordBytes + view.getUint16(at + 20, true) === bytes.length) return at;
  }
  return -1;
}

function findExtra(view: DataView, start: number, length: number, id: number): { start: number; length: number } | null {
  for (let at = start; at + 4 <= start + length; ) {
    const size = view.getUint16(at + 2, true);
    if (view.getUint16(at, true) === id) return { start: at + 4, length: Math.min(size, start + length - at - 4) };
    at += 4 + size;
  }
  return null;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
