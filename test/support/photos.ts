// Photos for the decoder tests: an odd-sized picture with smooth colour ramps
// (JPEG keeps those close) and its bytes as JPEG and WebP.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import jpeg from 'jpeg-js';
import encodeWebp, { init as initWebpEncoder } from '@jsquash/webp/encode.js';
import type { RgbImage } from '../../src/data/png';

export function ramps(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([(x * 255) / (width - 1), (y * 255) / (height - 1), 128 + 60 * Math.sin((x + y) / 9)], (y * width + x) * 3);
  }
  return { width, height, data };
}

export function rgba(image: RgbImage): Uint8Array {
  const out = new Uint8Array(image.width * image.height * 4).fill(255);
  for (let p = 0; p < image.width * image.height; p++) out.set(image.data.subarray(3 * p, 3 * p + 3), 4 * p);
  return out;
}

export function jpegBytes(image: RgbImage, quality: number): Uint8Array {
  return jpeg.encode({ data: rgba(image), width: image.width, height: image.height }, quality).data;
}

export async function webpBytes(image: RgbImage, options: Record<string, number>): Promise<Uint8Array> {
  const wasm = readFileSync(createRequire(import.meta.url).resolve('@jsquash/webp/codec/enc/webp_enc_simd.wasm'));
  await initWebpEncoder(new WebAssembly.Module(wasm));
  const imageData = { width: image.width, height: image.height, data: new Uint8ClampedArray(rgba(image)), colorSpace: 'srgb' } as unknown as ImageData;
  return new Uint8Array(await encodeWebp(imageData, options));
}

export function meanAbsoluteDifference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
