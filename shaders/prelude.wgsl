// The prelude: shader() in src/gpu/shader.ts puts this in front of every op's
// WGSL, so these names exist in every shader file. After it come the storage
// buffers, declared from the bindings each kernels module gives shader().

// Invocations per workgroup. No default: every dispatch that runs
// @workgroup_size(WG) sets it, and the runtime refuses one that does not.
override WG: u32;

// The dispatch's uniforms: each op's file declares `struct Params` (u32, i32 and
// f32 fields), and the runtime writes the fields by name.
@group(0) @binding(0) var<uniform> p: Params;

// What an entry point with one invocation per element takes: `fn name(e: Element)`.
struct Element {
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
}

// Its element, on a 2D grid of workgroups (perElement in src/kernels/grid.ts):
// one dimension holds at most 65535 workgroups, so the element count may exceed
// 65535 * WG.
fn index(e: Element) -> u32 {
  return e.gid.y * e.nwg.x * WG + e.gid.x;
}

// Where channel 0 of pixel q = n * hw + s of an [N, c, H, W] tensor (hw = H * W)
// is: the per-pixel ops over channels read channel k at pixelBase + k * hw.
fn pixelBase(q: u32, hw: u32, c: u32) -> u32 {
  return (q / hw) * c * hw + q % hw;
}

// Chan et al.: (count, mean, M2) of the union of two disjoint sets, the merge
// of per-chunk batch statistics (batchnorm2d.wgsl, and conv2d.wgsl's epilogue).
fn mergeMoments(a: vec3f, b: vec3f) -> vec3f {
  let n = a.x + b.x;
  if (n == 0.0) { return a; }
  let delta = b.y - a.y;
  let wb = b.x / n;
  return vec3f(n, a.y + delta * wb, a.z + b.z + delta * delta * a.x * wb);
}
