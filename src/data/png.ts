// PNG reading and writing on top of pngjs. Every failure becomes a DataError
// that names the file and says what is wrong with it (missing, not a PNG,
// truncated, corrupt, wrong kind of label map); no raw pngjs exception escapes.

import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { writeFileAtomic } from './atomic';
import { crc32 } from '../base/crc32';
import { DataError, describeError } from './errors';

/** 8-bit RGB, interleaved, row-major: data.length = width * height * 3. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One 8-bit value per pixel, row-major. */
export interface LabelMap {
  width: number;
  height: number;
  labels: Uint8Array;
}

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const HEADER_BYTES = 8 + 8 + 13;
const COLOUR_TYPE_NAMES: Record<number, string> = { 0: 'grayscale', 2: 'RGB', 3: 'palette', 4: 'grayscale+alpha', 6: 'RGBA' };

export function describePngFormat(header: PngHeader): string {
  return `${header.bitDepth}-bit ${COLOUR_TYPE_NAMES[header.colourType] ?? `colour type ${header.colourType}`}`;
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new DataError(`${path}: cannot read the file (${describeError(error)})`, [path]);
  }
}

function parseHeader(bytes: Uint8Array, name: string): PngHeader {
  if (bytes.length === 0) throw new DataError(`${name}: empty file, not a PNG image`, [name]);
  if (bytes.length < SIGNATURE.length || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new DataError(`${name}: not a PNG image (no PNG signature)`, [name]);
  }
  if (bytes.length < HEADER_BYTES) throw new DataError(`${name}: truncated PNG (${bytes.length} bytes, the header alone needs ${HEADER_BYTES})`, [name]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (chunkType(bytes, 12) !== 'IHDR' || view.getUint32(8) !== 13) {
    throw new DataError(`${name}: corrupt PNG (the first chunk is not a 13-byte IHDR)`, [name]);
  }
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24]!,
    colourType: bytes[25]!,
    interlaced: bytes[28] === 1,
  };
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

/**
 * Walks the chunk list so that a cut-off file is reported as truncated and a
 * damaged chunk by its name (pngjs reports both as stream errors). Returns the
 * IDAT chunks' data.
 */
function checkComplete(bytes: Uint8Array, name: string): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const imageData: Uint8Array[] = [];
  let at = SIGNATURE.length;
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at);
    const type = chunkType(bytes, at + 4);
    const end = at + 12 + length;
    if (end > bytes.length) {
      throw new DataError(`${name}: truncated PNG (chunk ${JSON.stringify(type)} at byte ${at} needs ${end} bytes, the file has ${bytes.length})`, [name]);
    }
    if (crc32(bytes.subarray(at + 4, end - 4)) !== view.getUint32(end - 4)) {
      throw new DataError(`${name}: corrupt PNG (chunk ${JSON.stringify(type)} at byte ${at} fails its CRC check)`, [name]);
    }
    if (type === 'IEND') return imageData;
    if (type === 'IDAT') imageData.push(bytes.subarray(at + 8, end - 4));
    at = end;
  }
  throw new DataError(`${name}: truncated PNG (${bytes.length} bytes, no IEND chunk)`, [name]);
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;
/** Deflate's best ratio is about 1032:1. */
const MAX_INFLATE_RATIO = 1032;

/** Bytes the zlib stream must inflate to: every scanline with its filter byte. */
function scanlineBytes(h: PngHeader): number {
  const rowBytes = (width: number): number => (width === 0 ? 0 : 1 + Math.ceil((width * (CHANNELS[h.colourType] ?? 1) * h.bitDepth) / 8));
  if (!h.interlaced) return h.height * rowBytes(h.width);
  return ADAM7.reduce((sum, [x0, y0, dx, dy]) => sum + Math.max(0, Math.ceil((h.height - y0) / dy)) * rowBytes(Math.max(0, Math.ceil((h.width - x0) / dx))), 0);
}

/**
 * The image data must inflate to exactly what the header's size needs. pngjs
 * pads short data silently, and a damaged size would make it allocate (and
 * loop over) gigabytes, so this is checked first, with the output bounded.
 */
function checkImageData(header: PngHeader, imageData: Uint8Array[], name: string): void {
  const needed = scanlineBytes(header);
  const compressed = imageData.reduce((n, part) => n + part.length, 0);
  const size = `${header.width}x${header.height} ${describePngFormat(header)}`;
  if (needed > compressed * MAX_INFLATE_RATIO + 1024) {
    throw new DataError(`${name}: corrupt PNG (a ${size} image needs ${needed} bytes of pixel data, more than its ${compressed} compressed bytes can hold)`, [name]);
  }
  let inflated: number;
  try {
    inflated = inflateSync(Buffer.concat(imageData), { maxOutputLength: needed + 1 }).length;
  } catch (error) {
    throw new DataError(`${name}: corrupt PNG (the image data does not inflate to the ${needed} bytes a ${size} image needs: ${describeError(error)})`, [name]);
  }
  if (inflated !== needed) throw new DataError(`${name}: corrupt PNG (the image data inflates to ${inflated} bytes, a ${size} image needs ${needed})`, [name]);
}

interface DecodedPng {
  header: PngHeader;
  /** RGBA 8-bit, as pngjs normalises every format. */
  rgba: Uint8Array;
  palette: number[][] | null;
  transparentGray: number | null;
}

function decode(bytes: Uint8Array, name: string, accept: (header: PngHeader) => void = () => {}): DecodedPng {
  const header = parseHeader(bytes, name);
  accept(header);
  checkImageData(header, checkComplete(bytes, name), name);
  let png: ReturnType<typeof PNG.sync.read> & { palette?: unknown; transColor?: number[] };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new DataError(`${name}: corrupt PNG (${describeError(error)})`, [name]);
  }
  return {
    header,
    rgba: png.data,
    palette: Array.isArray(png.palette) ? (png.palette as number[][]) : null,
    transparentGray: header.colourType === 0 && Array.isArray(png.transColor) ? png.transColor[0]! : null,
  };
}

/** Checks a PNG file whole (header, every chunk's CRC, the pixel data's size) without decoding its pixels. */
export function verifyPng(path: string): void {
  const bytes = readBytes(path);
  checkImageData(parseHeader(bytes, path), checkComplete(bytes, path), path);
}

/** The first `count` bytes of a file (fewer if it is shorter), without reading the rest. */
export function readFileHead(path: string, count: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new DataError(`${path}: cannot read the file (${describeError(error)})`, [path]);
  }
  try {
    const bytes = new Uint8Array(count);
    return bytes.subarray(0, readSync(fd, bytes, 0, count, 0));
  } finally {
    closeSync(fd);
  }
}

/** The header of a PNG file (size, bit depth, colour type), reading only its first bytes. */
export function readPngHeader(path: string): PngHeader {
  return parseHeader(readFileHead(path, HEADER_BYTES), path);
}

/** Any PNG (grey, palette, RGB, with or without alpha, 8 or 16 bits) as 8-bit RGB; alpha is dropped. */
export function decodeImage(bytes: Uint8Array, name: string): RgbImage {
  const { header, rgba } = decode(bytes, name);
  const pixels = header.width * header.height;
  const data = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    data[3 * p] = rgba[4 * p]!;
    data[3 * p + 1] = rgba[4 * p + 1]!;
    data[3 * p + 2] = rgba[4 * p + 2]!;
  }
  return { width: header.width, height: header.height, data };
}

export function isLabelMapFormat(header: PngHeader): boolean {
  return (header.colourType === 0 && header.bitDepth === 8) || (header.colourType === 3 && header.bitDepth <= 8);
}

/**
 * A label map: 8-bit grayscale (the value is the label) or palette (the index
 * is the label). Any other format is refused rather than guessed at.
 */
export function decodeLabelMap(bytes: Uint8Array, name: string): LabelMap {
  const { header, rgba, palette, transparentGray } = decode(bytes, name, (h) => {
    if (!isLabelMapFormat(h)) {
      throw new DataError(`${name}: a label map must be an 8-bit grayscale or palette PNG, this one is ${describePngFormat(h)}`, [name]);
    }
  });
  const pixels = header.width * header.height;
  const labels = new Uint8Array(pixels);
  if (palette) {
    // pngjs replaces palette indices by their colours; map each colour back to
    // the first index that has it (label palettes repeat only unused entries).
    const indexOfColour = new Map<number, number>();
    for (let i = palette.length - 1; i >= 0; i--) {
      const [r, g, b, a] = palette[i]!;
      indexOfColour.set(packRgba(r!, g!, b!, a!), i);
    }
    for (let p = 0; p < pixels; p++) {
      labels[p] = indexOfColour.get(packRgba(rgba[4 * p]!, rgba[4 * p + 1]!, rgba[4 * p + 2]!, rgba[4 * p + 3]!))!;
    }
  } else {
    for (let p = 0; p < pixels; p++) {
      // pngjs zeroes the pixels whose grey equals the tRNS value: restore it.
      labels[p] = rgba[4 * p + 3] === 0 && transparentGray !== null ? transparentGray : rgba[4 * p]!;
    }
  }
  return { width: header.width, height: header.height, labels };
}

function packRgba(r: number, g: number, b: number, a: number): number {
  return ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
}

export function readImage(path: string): RgbImage {
  return decodeImage(readBytes(path), path);
}

export function readLabelMap(path: string): LabelMap {
  return decodeLabelMap(readBytes(path), path);
}

function isLabelMap(png: RgbImage | LabelMap): png is LabelMap {
  return 'labels' in png;
}

/** RGB images as 8-bit RGB PNG, label maps as 8-bit grayscale PNG. A Uint8Array (a Buffer in Node), so browser apps typecheck without Node's types. */
export function encodePng(png: RgbImage | LabelMap, name = 'PNG'): Uint8Array {
  const channels = isLabelMap(png) ? 1 : 3;
  const pixels = isLabelMap(png) ? png.labels : png.data;
  if (!Number.isInteger(png.width) || !Number.isInteger(png.height) || png.width <= 0 || png.height <= 0 || pixels.length !== png.width * png.height * channels) {
    throw new DataError(`${name}: cannot encode ${png.width}x${png.height} with ${channels} channel(s) from ${pixels.length} bytes`, [name]);
  }
  const colourType = channels === 1 ? 0 : 2;
  return PNG.sync.write(
    { width: png.width, height: png.height, data: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength) } as PNG,
    { colorType: colourType, inputColorType: colourType, inputHasAlpha: false },
  );
}

/** Writes a temp file and renames it: an interrupted write never leaves a broken PNG at `path`. */
export function writePng(path: string, png: RgbImage | LabelMap): void {
  const bytes = encodePng(png, path);
  try {
    writeFileAtomic(path, bytes);
  } catch (error) {
    throw new DataError(`${path}: cannot write the file (${describeError(error)})`, [path]);
  }
}
