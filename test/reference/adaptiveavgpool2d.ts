// Float64 reference of adaptive average pool 2d with PyTorch's bins:
// [floor(o * size / bins), ceil((o + 1) * size / bins)).

type Shape4 = readonly [number, number, number, number];

const bin = (o: number, size: number, bins: number): [number, number] => [Math.floor((o * size) / bins), Math.ceil(((o + 1) * size) / bins)];

/** Calls visit(input index, output index, 1 / bin area) for every input element of every bin. */
function eachBinElement(shape: Shape4, oh: number, ow: number, visit: (i: number, o: number, weight: number) => void): void {
  const [n, c, h, w] = shape;
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const [y0, y1] = bin(oy, h, oh);
        const [x0, x1] = bin(ox, w, ow);
        const o = (plane * oh + oy) * ow + ox;
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) visit((plane * h + iy) * w + ix, o, 1 / ((y1 - y0) * (x1 - x0)));
        }
      }
    }
  }
}

export function adaptiveAvgPool2d(x: Float64Array, shape: Shape4, oh: number, ow: number): Float64Array {
  const y = new Float64Array(shape[0] * shape[1] * oh * ow);
  eachBinElement(shape, oh, ow, (i, o, weight) => (y[o] += weight * x[i]!));
  return y;
}

export function adaptiveAvgPool2dGrad(shape: Shape4, oh: number, ow: number, gy: Float64Array): Float64Array {
  const dx = new Float64Array(shape.reduce((a, b) => a * b, 1));
  eachBinElement(shape, oh, ow, (i, o, weight) => (dx[i] += weight * gy[o]!));
  return dx;
}
