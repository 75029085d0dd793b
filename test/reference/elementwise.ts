// Float64 references of the element-wise ops.

export const relu = (x: Float64Array): Float64Array => x.map((v) => Math.max(v, 0));
export const reluGrad = (x: Float64Array, gy: Float64Array): Float64Array => gy.map((g, i) => (x[i]! > 0 ? g : 0));

export const addScaled = (a: Float64Array, b: Float64Array, alpha: number): Float64Array => a.map((v, i) => v + alpha * b[i]!);
export const multiply = (a: Float64Array, b: Float64Array): Float64Array => a.map((v, i) => v * b[i]!);
