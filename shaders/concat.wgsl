// Concatenation along channels of NCHW tensors, one input per dispatch: `place`
// copies an input [n, c, h, w] into its channel range of the output
// [n, total, h, w]; `slice` copies that range of the output's gradient back out.
// An input's batch item is one contiguous block of c * h * w values in both.

struct Params {
  count: u32, // values of the input
  block: u32, outBlock: u32, offset: u32, // per batch item: values of the input and of the output, and where the input starts
}

@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> whole: array<f32>;
@group(0) @binding(1) var<storage, read> dWhole: array<f32>;
@group(0) @binding(2) var<storage, read_write> dPart: array<f32>;

fn wholeIndex(i: u32) -> u32 {
  return (i / p.block) * p.outBlock + p.offset + i % p.block;
}

@compute @workgroup_size(WG)
fn place(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < p.count) { whole[wholeIndex(i)] = part[i]; }
}

@compute @workgroup_size(WG)
fn slice(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < p.count) { dPart[i] = dWhole[wholeIndex(i)]; }
}
