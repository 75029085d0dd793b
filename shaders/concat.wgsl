// Concatenation along channels of NCHW tensors, one input per dispatch: `place`
// copies an input [n, c, h, w] into its channel range of the output
// [n, total, h, w]; `slice` copies that range of the output's gradient back out.
// An input's batch item is one contiguous block of c * h * w values in both.
// Storage buffers: declared by shader() from the bindings in src/kernels/concat.ts.

struct Params {
  count: u32, // values of the input
  block: u32, outBlock: u32, offset: u32, // per batch item: values of the input and of the output, and where the input starts
}

fn wholeIndex(i: u32) -> u32 {
  return (i / p.block) * p.outBlock + p.offset + i % p.block;
}

@compute @workgroup_size(WG)
fn place(e: Element) {
  let i = index(e);
  if (i < p.count) { whole[wholeIndex(i)] = part[i]; }
}

@compute @workgroup_size(WG)
fn slice(e: Element) {
  let i = index(e);
  if (i < p.count) { dPart[i] = dWhole[wholeIndex(i)]; }
}
