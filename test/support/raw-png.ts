// Hand-built PNG files for the data tests: any bit depth and colour type
// (pngjs writes only a few), and files broken on purpose.
import { deflateSync } from 'node:zlib';
import { crc32 } from '../../src/base/crc32';

export interface RawPng {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  /** Unfiltered scanline bytes, row after row (no filter bytes). */
  pixels: Uint8Array;
  /** RGB triples for colour type 3. */
  palette?: number[][];
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function rawPng(png: RawPng): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(png.width, 0);
  header.writeUInt32BE(png.height, 4);
  header[8] = png.bitDepth;
  header[9] = png.colourType;
  const rowBytes = png.pixels.length / png.height;
  const filtered = Buffer.alloc(png.height * (rowBytes + 1));
  for (let y = 0; y < png.height; y++) filtered.set(png.pixels.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  const chunks = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header)];
  if (png.palette) chunks.push(chunk('PLTE', Uint8Array.from(png.palette.flat())));
  chunks.push(chunk('IDAT', deflateSync(filtered)), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(chunks);
}

/** 16-bit grayscale, big-endian samples. */
export function gray16Png(width: number, height: number, value: number): Buffer {
  const pixels = new Uint8Array(width * height * 2);
  for (let i = 0; i < width * height; i++) {
    pixels[2 * i] = value >> 8;
    pixels[2 * i + 1] = value & 255;
  }
  return rawPng({ width, height, bitDepth: 16, colourType: 0, pixels });
}
