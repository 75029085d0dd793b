// Photos of any size in Node: PNG (pngjs, through png.ts), JPEG (jpeg-js, pure
// JavaScript) and WebP (libwebp compiled to WebAssembly, @jsquash/webp), told
// apart by their first bytes rather than their names (photo-format.ts; the
// browser bundle's decoder is browser-photo.ts). Every failure is a DataError
// naming the file.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import jpeg from 'jpeg-js';
import { DataError, describeError } from './errors';
import { applyOrientation, jpegOrientation } from './exif';
import { decodeImage, readFileHead, type RgbImage } from './png';
import { corrupt, FORMAT_BYTES, photoFormat, readableFormat } from './photo-format';

/** A 1280x720 photo needs 1 MP; these bound what a damaged or hostile header can make the decoder allocate. */
const MAX_MEGAPIXELS = 100;
const MAX_DECODER_MIB = 2048;

function decodeJpeg(bytes: Uint8Array, name: string): RgbImage {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: MAX_DECODER_MIB });
  } catch (error) {
    throw corrupt('JPEG', name, describeError(error));
  }
  if (!(decoded.width > 0 && decoded.height > 0)) throw new DataError(`${name}: corrupt JPEG (no image in it)`, [name]);
  return applyOrientation({ width: decoded.width, height: decoded.height, data: decoded.data }, jpegOrientation(bytes));
}

type WebpDecode = (data: ArrayBuffer) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
let webpDecoder: Promise<WebpDecode> | null = null;

/** The wasm module is compiled from the package's own file (nothing is fetched), once. */
function loadWebpDecoder(): Promise<WebpDecode> {
  webpDecoder ??= (async () => {
    const { default: decode, init } = await import('@jsquash/webp/decode.js');
    const wasm = readFileSync(createRequire(import.meta.url).resolve('@jsquash/webp/codec/dec/webp_dec.wasm'));
    await init(new WebAssembly.Module(wasm));
    return decode as WebpDecode;
  })();
  return webpDecoder;
}

async function decodeWebp(bytes: Uint8Array, name: string): Promise<RgbImage> {
  const decode = await loadWebpDecoder();
  let rgba: Awaited<ReturnType<WebpDecode>>;
  try {
    // A copy of exactly these bytes: a Buffer's slice() is a view whose .buffer may hold other data around it.
    rgba = await decode(new Uint8Array(bytes).buffer);
  } catch (error) {
    throw corrupt('WebP', name, describeError(error));
  }
  const pixels = rgba.width * rgba.height;
  const data = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    data[3 * p] = rgba.data[4 * p]!;
    data[3 * p + 1] = rgba.data[4 * p + 1]!;
    data[3 * p + 2] = rgba.data[4 * p + 2]!;
  }
  return { width: rgba.width, height: rgba.height, data };
}

/** PNG and JPEG decode at once; WebP only through its asynchronous wasm decoder, so null here. */
function decodeAtOnce(bytes: Uint8Array, name: string): RgbImage | null {
  switch (readableFormat(bytes, name)) {
    case 'PNG':
      return decodeImage(bytes, name);
    case 'JPEG':
      return decodeJpeg(bytes, name);
    case 'WebP':
      return null;
  }
}

/** A PNG, JPEG or WebP file's pixels as 8-bit RGB (alpha dropped). */
export async function decodePhoto(bytes: Uint8Array, name = 'image'): Promise<RgbImage> {
  return decodeAtOnce(bytes, name) ?? decodeWebp(bytes, name);
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new DataError(`${path}: cannot read the file (${describeError(error)})`, [path]);
  }
}

export async function readPhoto(path: string): Promise<RgbImage> {
  return decodePhoto(readBytes(path), path);
}

/**
 * WebP needs an asynchronous wasm decoder, and batches are made synchronously:
 * preloadPhotos decodes such files (or keeps why they cannot be) ahead of
 * readPhotoSync, and forgetPhotos lets them go, so a set of any size holds
 * only the photos in use.
 */
const preloaded = new Map<string, RgbImage | DataError>();

/** Decodes the WebP files among `paths` ahead of readPhotoSync (PNG and JPEG decode synchronously). */
export async function preloadPhotos(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    if (preloaded.has(path)) continue;
    try {
      // Only WebP needs decoding ahead: the others are told by their first bytes and read when used.
      if (photoFormat(readFileHead(path, FORMAT_BYTES)) === 'WebP') preloaded.set(path, await decodeWebp(readBytes(path), path));
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      preloaded.set(path, error);
    }
  }
}

export function forgetPhotos(paths: readonly string[]): void {
  for (const path of paths) preloaded.delete(path);
}

/** How many photos preloadPhotos holds now. */
export function photosHeld(): number {
  return preloaded.size;
}

/** A PNG or JPEG file's pixels, or a WebP file's that preloadPhotos decoded. */
export function readPhotoSync(path: string): RgbImage {
  const ready = preloaded.get(path);
  if (ready instanceof DataError) throw ready;
  if (ready) return ready;
  const image = decodeAtOnce(readBytes(path), path);
  if (!image) throw new DataError(`${path}: a WebP image read before preloadPhotos decoded it`, [path]);
  return image;
}
