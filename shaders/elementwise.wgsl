// Element-wise ops, one invocation per element: the arithmetic autograd itself
// needs (gradient accumulation, scaling, constants) and ReLU.
// Storage buffers: declared by shader() from the bindings in src/kernels/elementwise.ts.

struct Params { n: u32, alpha: f32 }

// out = a + alpha * b
@compute @workgroup_size(WG)
fn addScaled(e: Element) {
  let i = index(e);
  if (i < p.n) { outAB[i] = a[i] + p.alpha * b[i]; }
}

// out = a * b
@compute @workgroup_size(WG)
fn multiply(e: Element) {
  let i = index(e);
  if (i < p.n) { outAB[i] = a[i] * b[i]; }
}

// out = alpha * a
@compute @workgroup_size(WG)
fn scale(e: Element) {
  let i = index(e);
  if (i < p.n) { outA[i] = p.alpha * a[i]; }
}

// out = alpha
@compute @workgroup_size(WG)
fn fill(e: Element) {
  let i = index(e);
  if (i < p.n) { out0[i] = p.alpha; }
}

// out = max(a, 0)
@compute @workgroup_size(WG)
fn relu(e: Element) {
  let i = index(e);
  if (i < p.n) { outA[i] = max(a[i], 0.0); }
}

// The gradient of relu(a) given b, the gradient of its output: b where a > 0, else 0.
@compute @workgroup_size(WG)
fn reluGrad(e: Element) {
  let i = index(e);
  if (i < p.n) { outAB[i] = select(0.0, b[i], a[i] > 0.0); }
}
