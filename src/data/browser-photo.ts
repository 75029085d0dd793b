// Photos in browsers: the same formats as in Node (PNG, JPEG, WebP), told apart
// by the same first bytes, decoded by the browser's own decoders
// (createImageBitmap), which the page has anyway, rather than by shipping
// JavaScript and WebAssembly decoders in the bundle. The pixels are taken as
// stored: no colour-profile conversion, no premultiplied alpha.

import { DataError, describeError } from './errors';
import { rgbaToRgb } from './image-input';
import type { RgbImage } from './png';
import { corrupt, readableFormat } from './photo-format';

/** A PNG, JPEG or WebP file's pixels as 8-bit RGB (alpha dropped). */
export async function decodeBrowserPhoto(bytes: Uint8Array, name = 'image'): Promise<RgbImage> {
  const format = readableFormat(bytes, name);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes.slice()]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (error) {
    throw corrupt(format, name, describeError(error));
  }
  const { width, height } = bitmap;
  if (!(width > 0 && height > 0)) throw new DataError(`${name}: corrupt ${format} (no image in it)`, [name]);
  const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return rgbaToRgb(width, height, context.getImageData(0, 0, width, height).data);
}
