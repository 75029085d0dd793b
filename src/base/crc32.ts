// CRC-32 (ISO-HDLC, as PNG chunks and zip use), table-driven, eight bytes a
// step ("slicing-by-8"): about 1 GB/s in V8, 2.5 times the byte-at-a-time loop,
// which matters for checkpoints of hundreds of megabytes. node:zlib has crc32
// only from Node 20.15 / 22.2, and the browser has none.

/** TABLE[k * 256 + b]: the CRC of byte b followed by k zero bytes. */
const TABLE = (() => {
  const table = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  for (let n = 256; n < table.length; n++) {
    const previous = table[n - 256]!;
    table[n] = table[previous & 0xff]! ^ (previous >>> 8);
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  let i = 0;
  for (const whole = bytes.length - (bytes.length % 8); i < whole; i += 8) {
    const low = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c =
      TABLE[7 * 256 + (low & 0xff)]! ^
      TABLE[6 * 256 + ((low >>> 8) & 0xff)]! ^
      TABLE[5 * 256 + ((low >>> 16) & 0xff)]! ^
      TABLE[4 * 256 + (low >>> 24)]! ^
      TABLE[3 * 256 + bytes[i + 4]!]! ^
      TABLE[2 * 256 + bytes[i + 5]!]! ^
      TABLE[256 + bytes[i + 6]!]! ^
      TABLE[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
