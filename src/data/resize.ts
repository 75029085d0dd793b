// Resampling of one sample into a slot of a batch: a crop window of the source
// (possibly mirrored) is mapped onto the model input, bilinear for the image
// (averaging several taps a pixel when shrinking by 2x or more, against
// aliasing) and nearest for the labels.

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export interface CropWindow {
  x: number;
  y: number;
  width: number;
  height: number;
  flip: boolean;
}

export interface SourcePixels {
  width: number;
  height: number;
  /** 8-bit RGB interleaved. */
  image: Uint8Array;
  labels: Uint8Array;
}

/**
 * Writes the window of `source` into images[slot] (3 x outH x outW, ImageNet
 * normalised: (v / 255 - mean) / std, as the reference's img_transform) and
 * labels[slot] (outH x outW).
 */
export function resampleInto(
  source: SourcePixels,
  window: CropWindow,
  images: Float32Array,
  labels: Int32Array,
  slot: number,
  outH: number,
  outW: number,
): void {
  const plane = outH * outW;
  const imageBase = slot * 3 * plane;
  const labelBase = slot * plane;
  const stepX = window.width / outW;
  const stepY = window.height / outH;
  const taps = Math.max(1, Math.ceil(Math.max(stepX, stepY) / 2));
  const scale = IMAGENET_STD.map((s) => 1 / (255 * s));
  const offset = IMAGENET_MEAN.map((m, c) => m / IMAGENET_STD[c]!);
  const rgb = [0, 0, 0];
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const mx = window.flip ? outW - 1 - ox : ox;
      const lx = clamp(Math.floor(window.x + (mx + 0.5) * stepX), 0, source.width - 1);
      const ly = clamp(Math.floor(window.y + (oy + 0.5) * stepY), 0, source.height - 1);
      labels[labelBase + oy * outW + ox] = source.labels[ly * source.width + lx]!;
      rgb[0] = rgb[1] = rgb[2] = 0;
      for (let ty = 0; ty < taps; ty++) {
        const sy = window.y + (oy + (ty + 0.5) / taps) * stepY - 0.5;
        for (let tx = 0; tx < taps; tx++) {
          const sx = window.x + (mx + (tx + 0.5) / taps) * stepX - 0.5;
          addBilinear(source, sx, sy, rgb);
        }
      }
      const o = oy * outW + ox;
      const norm = 1 / (taps * taps);
      for (let c = 0; c < 3; c++) images[imageBase + c * plane + o] = rgb[c]! * norm * scale[c]! - offset[c]!;
    }
  }
}

function addBilinear(source: SourcePixels, sx: number, sy: number, rgb: number[]): void {
  const x = clamp(sx, 0, source.width - 1);
  const y = clamp(sy, 0, source.height - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, source.width - 1);
  const y1 = Math.min(y0 + 1, source.height - 1);
  const fx = x - x0;
  const fy = y - y0;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  const i00 = 3 * (y0 * source.width + x0);
  const i01 = 3 * (y0 * source.width + x1);
  const i10 = 3 * (y1 * source.width + x0);
  const i11 = 3 * (y1 * source.width + x1);
  const img = source.image;
  for (let c = 0; c < 3; c++) {
    rgb[c]! += w00 * img[i00 + c]! + w01 * img[i01 + c]! + w10 * img[i10 + c]! + w11 * img[i11 + c]!;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * A one-channel map (a score map at the model's input size) resized to
 * outWidth x outHeight, bilinear with half-pixel centres (PyTorch's
 * align_corners=False), edges clamped.
 */
export function resizeBilinear(values: Float32Array, width: number, height: number, outWidth: number, outHeight: number): Float32Array {
  checkPlane(values.length, width, height);
  const out = new Float32Array(outWidth * outHeight);
  const xs = samplePositions(width, outWidth);
  const ys = samplePositions(height, outHeight);
  for (let oy = 0; oy < outHeight; oy++) {
    const { low: y0, high: y1, weight: fy } = ys[oy]!;
    for (let ox = 0; ox < outWidth; ox++) {
      const { low: x0, high: x1, weight: fx } = xs[ox]!;
      const top = values[y0 * width + x0]! * (1 - fx) + values[y0 * width + x1]! * fx;
      const bottom = values[y1 * width + x0]! * (1 - fx) + values[y1 * width + x1]! * fx;
      out[oy * outWidth + ox] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** Class ids resized to outWidth x outHeight, nearest (a class is never blended). */
export function resizeNearest(values: Int32Array, width: number, height: number, outWidth: number, outHeight: number): Int32Array {
  checkPlane(values.length, width, height);
  const out = new Int32Array(outWidth * outHeight);
  for (let oy = 0; oy < outHeight; oy++) {
    const y = Math.min(height - 1, Math.floor(((oy + 0.5) * height) / outHeight));
    for (let ox = 0; ox < outWidth; ox++) out[oy * outWidth + ox] = values[y * width + Math.min(width - 1, Math.floor(((ox + 0.5) * width) / outWidth))]!;
  }
  return out;
}

interface Tap {
  low: number;
  high: number;
  weight: number;
}

function samplePositions(size: number, outSize: number): Tap[] {
  return Array.from({ length: outSize }, (_, o) => {
    const s = clamp(((o + 0.5) * size) / outSize - 0.5, 0, size - 1);
    const low = Math.floor(s);
    return { low, high: Math.min(low + 1, size - 1), weight: s - low };
  });
}

function checkPlane(length: number, width: number, height: number): void {
  if (width < 1 || height < 1 || length !== width * height) throw new RangeError(`a ${width}x${height} map needs ${width * height} values, got ${length}`);
}
