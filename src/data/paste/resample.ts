// Scaling a cut-out to its pasted size. Cut-outs shrink by up to 30x (a
// 1000-pixel photo to a 30-pixel object), where plain bilinear sampling would
// alias: a tent filter as wide as the scale step averages every source pixel
// (it is bilinear when enlarging). Colours are resampled premultiplied by
// alpha, so the transparent pixels' colours never bleed into the edge.

/** Premultiplied RGBA: per pixel R*a, G*a, B*a (0..255) and a (0..1). */
export interface PremultipliedImage {
  width: number;
  height: number;
  data: Float32Array;
}

export interface Cutout {
  width: number;
  height: number;
  /** 8-bit RGB, interleaved. */
  rgb: Uint8Array;
  /** 8-bit alpha, one per pixel. */
  alpha: Uint8Array;
}

interface Taps {
  first: Int32Array;
  count: Int32Array;
  /** `width` weights per output position, normalised to sum 1. */
  weights: Float32Array;
  width: number;
}

function tentTaps(inSize: number, outSize: number): Taps {
  const step = inSize / outSize;
  const radius = Math.max(1, step);
  const width = Math.ceil(radius) * 2 + 1;
  const taps: Taps = { first: new Int32Array(outSize), count: new Int32Array(outSize), weights: new Float32Array(outSize * width), width };
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * step - 0.5;
    const first = Math.max(0, Math.ceil(centre - radius));
    const last = Math.min(inSize - 1, Math.floor(centre + radius));
    let sum = 0;
    for (let i = first; i <= last; i++) sum += (taps.weights[o * width + i - first] = Math.max(0, 1 - Math.abs(i - centre) / radius));
    for (let i = first; i <= last; i++) taps.weights[o * width + i - first]! /= sum;
    taps.first[o] = first;
    taps.count[o] = last - first + 1;
  }
  return taps;
}

/** The cut-out at outWidth x outHeight, premultiplied, mirrored left-right when `flip`. */
export function resizeCutout(cutout: Cutout, outWidth: number, outHeight: number, flip: boolean): PremultipliedImage {
  const { width, height } = cutout;
  const source = new Float32Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const a = cutout.alpha[p]! / 255;
    for (let c = 0; c < 3; c++) source[4 * p + c] = cutout.rgb[3 * p + c]! * a;
    source[4 * p + 3] = a;
  }
  const across = tentTaps(width, outWidth);
  const rows = new Float32Array(outWidth * height * 4);
  for (let y = 0; y < height; y++) {
    for (let o = 0; o < outWidth; o++) {
      const ox = flip ? outWidth - 1 - o : o;
      addTaps(source, 4 * (y * width + across.first[o]!), 4, across, o, rows, 4 * (y * outWidth + ox));
    }
  }
  const down = tentTaps(height, outHeight);
  const out = new Float32Array(outWidth * outHeight * 4);
  for (let o = 0; o < outHeight; o++) {
    for (let x = 0; x < outWidth; x++) addTaps(rows, 4 * (down.first[o]! * outWidth + x), 4 * outWidth, down, o, out, 4 * (o * outWidth + x));
  }
  return { width: outWidth, height: outHeight, data: out };
}

/** out[at..at+4] = the weighted sum of the pixels of `from` at start, start + stride, ... */
function addTaps(from: Float32Array, start: number, stride: number, taps: Taps, o: number, out: Float32Array, at: number): void {
  const base = o * taps.width;
  for (let t = 0; t < taps.count[o]!; t++) {
    const w = taps.weights[base + t]!;
    const i = start + t * stride;
    for (let c = 0; c < 4; c++) out[at + c]! += w * from[i + c]!;
  }
}
