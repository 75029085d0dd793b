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
