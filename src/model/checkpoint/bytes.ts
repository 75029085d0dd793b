// Byte-level helpers for the safetensors layout: UTF-8 names, little-endian numbers.

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export const utf8Encoder = new TextEncoder();

/** Rust orders `String`s by their UTF-8 bytes; JavaScript's `<` compares UTF-16 units, which differs above U+FFFF. */
export function compareUtf8(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/** A lone surrogate has no UTF-8 form: TextEncoder would silently turn it into U+FFFD. */
export function isWellFormedUnicode(text: string): boolean {
  return !/\p{Cs}/u.test(text);
}

export function writeU64LittleEndian(out: Uint8Array, offset: number, value: number): void {
  let rest = BigInt(value);
  for (let i = 0; i < 8; i++) {
    out[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

export function readU64LittleEndian(bytes: Uint8Array, offset: number): bigint {
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
export function littleEndianBytes(data: Float32Array | BigInt64Array | Int32Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return hostIsLittleEndian ? bytes : reverseEachElement(bytes.slice(), data.BYTES_PER_ELEMENT);
}

/** A fresh, aligned copy of little-endian element bytes in host order, ready to view as a typed array. */
export function hostOrderCopy(littleEndian: Uint8Array, width: number): ArrayBuffer {
  const copy = new Uint8Array(littleEndian);
  if (!hostIsLittleEndian) reverseEachElement(copy, width);
  return copy.buffer;
}
