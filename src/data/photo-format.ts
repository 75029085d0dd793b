// What kind of picture a file holds, from its first bytes rather than its name,
// the same in Node and browsers: PNG, JPEG and WebP are read; a few other
// common formats are named in the refusal so the user knows what to convert.

import { DataError } from './errors';

export type PhotoFormat = 'PNG' | 'JPEG' | 'WebP';

const OTHER_FORMATS: [name: string, test: (b: Uint8Array) => boolean][] = [
  ['GIF', (b) => ascii(b, 0, 4) === 'GIF8'],
  ['BMP', (b) => ascii(b, 0, 2) === 'BM'],
  ['TIFF', (b) => ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*'],
  ['HEIC/AVIF', (b) => ascii(b, 4, 8) === 'ftyp'],
];

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/** The bytes at the start of a file that photoFormat reads. */
export const FORMAT_BYTES = 12;

export function photoFormat(bytes: Uint8Array): PhotoFormat | null {
  if (bytes[0] === 0x89 && ascii(bytes, 1, 4) === 'PNG') return 'PNG';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'JPEG';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'WebP';
  return null;
}

/** The format of a picture this reads, or a DataError naming the file and what it holds instead. */
export function readableFormat(bytes: Uint8Array, name: string): PhotoFormat {
  if (bytes.length === 0) throw new DataError(`${name}: empty file, not an image`, [name]);
  const format = photoFormat(bytes);
  if (format) return format;
  const other = OTHER_FORMATS.find(([, test]) => test(bytes))?.[0];
  const what = other ? `a ${other} image, which is not read here` : 'not an image this reads';
  throw new DataError(`${name}: ${what} (PNG, JPEG and WebP are; convert it to one of them)`, [name]);
}

/** The decoder's own complaint, as every decoder words it. */
export function corrupt(format: PhotoFormat, name: string, cause: string): DataError {
  return new DataError(`${name}: corrupt or unsupported ${format} (${cause})`, [name]);
}
