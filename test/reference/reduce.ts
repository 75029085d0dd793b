// Float64 references of sum and mean.

export const sum = (x: Float64Array): Float64Array => Float64Array.of(x.reduce((s, v) => s + v, 0));
export const mean = (x: Float64Array): Float64Array => Float64Array.of(x.length ? sum(x)[0]! / x.length : 0);

/** d sum / dx = g everywhere; d mean / dx = g / n. */
export const sumGrad = (x: Float64Array, g: Float64Array): Float64Array => new Float64Array(x.length).fill(g[0]!);
export const meanGrad = (x: Float64Array, g: Float64Array): Float64Array => new Float64Array(x.length).fill(g[0]! / x.length);

/** Sums of `rows` consecutive rows of n values. */
export function sumRows(x: Float64Array, rows: number, n: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) out[r] += x[r * n + i]!;
  return out;
}
