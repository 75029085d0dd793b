// Byte strings for tests that build files by hand: parts are bytes (a number),
// byte lists and arrays, or text (its UTF-8 bytes).
const utf8 = new TextEncoder();

export function concatBytes(...parts: (number | readonly number[] | Uint8Array | string)[]): Uint8Array {
  const arrays = parts.map((part) => (typeof part === 'string' ? utf8.encode(part) : typeof part === 'number' ? Uint8Array.of(part) : Uint8Array.from(part)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
