// Float64 reference of max pool 2d (PyTorch: padding is -inf, floor mode, the
// gradient goes to the first maximum of each window in row-major order).

export interface MaxPool2dOptions {
  kernel: number;
  stride: number;
  padding: number;
}

type Shape4 = readonly [number, number, number, number];

export function maxPool2dShape([n, c, h, w]: Shape4, o: MaxPool2dOptions): [number, number, number, number] {
  const size = (s: number) => Math.floor((s + 2 * o.padding - o.kernel) / o.stride) + 1;
  return [n, c, size(h), size(w)];
}

/** Flat input index of each output's maximum. */
function argmax(x: Float64Array, shape: Shape4, o: MaxPool2dOptions): number[] {
  const [n, c, h, w] = shape;
  const [, , oh, ow] = maxPool2dShape(shape, o);
  const out: number[] = [];
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity;
        let at = -1;
        for (let ky = 0; ky < o.kernel; ky++) {
          for (let kx = 0; kx < o.kernel; kx++) {
            const iy = oy * o.stride - o.padding + ky;
            const ix = ox * o.stride - o.padding + kx;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const i = (plane * h + iy) * w + ix;
            if (at < 0 || x[i]! > best) {
              best = x[i]!;
              at = i;
            }
          }
        }
        out.push(at);
      }
    }
  }
  return out;
}

export function maxPool2d(x: Float64Array, shape: Shape4, o: MaxPool2dOptions): Float64Array {
  return Float64Array.from(argmax(x, shape, o), (i) => x[i]!);
}

export function maxPool2dGrad(x: Float64Array, shape: Shape4, o: MaxPool2dOptions, gy: Float64Array): Float64Array {
  const dx = new Float64Array(x.length);
  argmax(x, shape, o).forEach((i, k) => (dx[i] += gy[k]!));
  return dx;
}
