// The picture type of the figure code: 8-bit RGB, row-major, 3 bytes a pixel,
// what a PNG writer with colour type 2 takes.

import type { Rgb } from './colour-map';

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function createRgbImage(width: number, height: number, fill: Rgb = [0, 0, 0]): RgbImage {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 0 && height >= 0)) {
    throw new RangeError(`image size must be non-negative integers, got ${width}x${height}`);
  }
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = fill[0];
    data[i + 1] = fill[1];
    data[i + 2] = fill[2];
  }
  return { width, height, data };
}

export function checkPixelCount(what: string, pixels: number, width: number, height: number): void {
  if (pixels !== width * height) throw new RangeError(`${what}: ${pixels} values for a ${width}x${height} image`);
}

/** Copies source into target with its top-left corner at (x, y), clipped to target. */
export function blit(target: RgbImage, source: RgbImage, x: number, y: number): void {
  for (let row = 0; row < source.height; row++) {
    const ty = y + row;
    if (ty < 0 || ty >= target.height) continue;
    const from = Math.max(0, -x);
    const to = Math.min(source.width, target.width - x);
    if (to <= from) continue;
    const sourceStart = (row * source.width + from) * 3;
    target.data.set(source.data.subarray(sourceStart, sourceStart + (to - from) * 3), (ty * target.width + x + from) * 3);
  }
}
