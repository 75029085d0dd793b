// Element-wise arithmetic that autograd itself needs: gradient accumulation,
// scaling, constants. One invocation per element over a 2D grid of workgroups
// (index = gid.y * (workgroups in x * WG) + gid.x), so n may exceed 65535 * WG.

override WG: u32 = 64;

struct Params {
  n: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> outAB: array<f32>;
@group(0) @binding(2) var<storage, read_write> outA: array<f32>;
@group(0) @binding(1) var<storage, read_write> out0: array<f32>;

fn index(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.y * nwg.x * WG + gid.x;
}

// out = a + alpha * b
@compute @workgroup_size(WG)
fn addScaled(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < p.n) { outAB[i] = a[i] + p.alpha * b[i]; }
}

// out = a * b
@compute @workgroup_size(WG)
fn multiply(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < p.n) { outAB[i] = a[i] * b[i]; }
}

// out = alpha * a
@compute @workgroup_size(WG)
fn scale(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < p.n) { outA[i] = p.alpha * a[i]; }
}

// out = alpha
@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < p.n) { out0[i] = p.alpha; }
}
