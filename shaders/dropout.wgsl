// Dropout: y = x * mask / keep, with the mask drawn from a hash of (seed, index)
// so the backward recomputes it instead of storing it, and a seed repeats it.
// Elements share a mask value in groups of `group` consecutive elements:
// group = H * W drops whole channels (PyTorch's Dropout2d).
// Storage buffers: declared by shader() from the bindings in src/kernels/dropout.ts.

struct Params {
  n: u32, group: u32,
  seed: u32, keep: f32,
}

// PCG-style integer hash (Jarzynski and Olano, 2020).
fn pcgHash(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn kept(i: u32) -> bool {
  let r = pcgHash((i / p.group) ^ pcgHash(p.seed));
  return f32(r >> 8u) * (1.0 / 16777216.0) < p.keep;
}

// The backward is the same map applied to dy.
@compute @workgroup_size(WG)
fn apply(e: Element) {
  let i = index(e);
  if (i < p.n) { y[i] = select(0.0, x[i] / p.keep, kept(i)); }
}
