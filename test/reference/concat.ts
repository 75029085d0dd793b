// Float64 reference of concatenation along channels (NCHW).

type Shape4 = readonly [number, number, number, number];

export function concatChannels(xs: readonly Float64Array[], shapes: readonly Shape4[]): Float64Array {
  const out: number[] = [];
  const [n] = shapes[0]!;
  for (let b = 0; b < n; b++) {
    xs.forEach((x) => {
      const block = x.length / n;
      out.push(...x.subarray(b * block, (b + 1) * block));
    });
  }
  return Float64Array.from(out);
}

/** The gradient of each input: its channels of gy. */
export function concatChannelsGrad(shapes: readonly Shape4[], gy: Float64Array): Float64Array[] {
  const [n, , h, w] = shapes[0]!;
  const total = shapes.reduce((sum, s) => sum + s[1], 0);
  let offset = 0;
  return shapes.map(([, c]) => {
    const dx = new Float64Array(n * c * h * w);
    for (let b = 0; b < n; b++) dx.set(gy.subarray((b * total + offset) * h * w, (b * total + offset + c) * h * w), b * c * h * w);
    offset += c;
    return dx;
  });
}

/** Tensors one after another along the batch: NCHW is sample-major, so their values one after another. */
export function concatBatch(xs: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(xs.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of xs) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

/** The gradient of each input: its samples of gy. */
export function concatBatchGrad(lengths: readonly number[], gy: Float64Array): Float64Array[] {
  let at = 0;
  return lengths.map((length) => gy.slice(at, (at += length)));
}

/** Samples [start, start + count) of x, whose samples hold `perSample` values each. */
export function sliceBatch(x: Float64Array, perSample: number, start: number, count: number): Float64Array {
  return x.slice(start * perSample, (start + count) * perSample);
}

/** gy at the sliced samples, zero elsewhere. */
export function sliceBatchGrad(length: number, perSample: number, start: number, gy: Float64Array): Float64Array {
  const dx = new Float64Array(length);
  dx.set(gy, start * perSample);
  return dx;
}
