// Float64 reference of the mean squared error.

export const mse = (a: Float64Array, b: Float64Array): Float64Array => Float64Array.of(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length);

export function mseGrad(a: Float64Array, b: Float64Array, g: Float64Array): [Float64Array, Float64Array] {
  const da = a.map((v, i) => (2 * g[0]! * (v - b[i]!)) / a.length);
  return [da, da.map((v) => -v)];
}
