// Float64 reference of bilinear resampling, written from PyTorch's formula for
// F.interpolate(mode='bilinear') with an output size:
//   align_corners true:  scale = (in - 1) / (out - 1) (0 if out = 1), source = dst * scale
//   align_corners false: scale = in / out, source = max((dst + 0.5) * scale - 0.5, 0)
//   i0 = floor(source), i1 = i0 + 1 if i0 < in - 1 else i0, l1 = source - i0, l0 = 1 - l1.

type Shape4 = readonly [number, number, number, number];

interface Tap {
  i0: number;
  i1: number;
  l0: number;
  l1: number;
}

export function bilinearTaps(inSize: number, outSize: number, alignCorners: boolean): Tap[] {
  const scale = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  return Array.from({ length: outSize }, (_, dst) => {
    const source = alignCorners ? dst * scale : Math.max((dst + 0.5) * scale - 0.5, 0);
    const i0 = Math.floor(source);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    const l1 = source - i0;
    return { i0, i1, l0: 1 - l1, l1 };
  });
}

/** Calls visit(input index, output index, weight) for the four taps of every output element. */
function eachTap(shape: Shape4, oh: number, ow: number, alignCorners: boolean, visit: (i: number, o: number, weight: number) => void): void {
  const [n, c, h, w] = shape;
  const rows = bilinearTaps(h, oh, alignCorners);
  const cols = bilinearTaps(w, ow, alignCorners);
  for (let plane = 0; plane < n * c; plane++) {
    rows.forEach((r, oy) =>
      cols.forEach((col, ox) => {
        const o = (plane * oh + oy) * ow + ox;
        const at = (iy: number, ix: number) => (plane * h + iy) * w + ix;
        visit(at(r.i0, col.i0), o, r.l0 * col.l0);
        visit(at(r.i0, col.i1), o, r.l0 * col.l1);
        visit(at(r.i1, col.i0), o, r.l1 * col.l0);
        visit(at(r.i1, col.i1), o, r.l1 * col.l1);
      }),
    );
  }
}

export function upsampleBilinear(x: Float64Array, shape: Shape4, oh: number, ow: number, alignCorners: boolean): Float64Array {
  const y = new Float64Array(shape[0] * shape[1] * oh * ow);
  eachTap(shape, oh, ow, alignCorners, (i, o, weight) => (y[o] += weight * x[i]!));
  return y;
}

export function upsampleBilinearGrad(shape: Shape4, oh: number, ow: number, alignCorners: boolean, gy: Float64Array): Float64Array {
  const dx = new Float64Array(shape.reduce((a, b) => a * b, 1));
  eachTap(shape, oh, ow, alignCorners, (i, o, weight) => (dx[i] += weight * gy[o]!));
  return dx;
}
