// Mean squared error over all n elements: loss = sum (a - b)^2 / n.
//   squaredDifference: (a - b)^2 per element (then summed by shaders/reduce.wgsl);
//   backward: da = g * 2 / n * (a - b) (and db = -da, made by the caller).
// Storage buffers: declared by shader() from the bindings in src/kernels/mse.ts.

struct Params { n: u32, twoOverN: f32 }

@compute @workgroup_size(WG)
fn squaredDifference(e: Element) {
  let i = index(e);
  if (i < p.n) {
    let d = a[i] - b[i];
    squares[i] = d * d;
  }
}

@compute @workgroup_size(WG)
fn backward(e: Element) {
  let i = index(e);
  if (i < p.n) { da[i] = g[0] * p.twoOverN * (a[i] - b[i]); }
}
