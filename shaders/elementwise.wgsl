// Element-wise ops, one invocation per element: the arithmetic autograd itself
// needs (gradient accumulation, scaling, constants) and ReLU.

struct Params { n: u32, alpha: f32 }

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> outAB: array<f32>;
@group(0) @binding(2) var<storage, read_write> outA: array<f32>;
@group(0) @binding(1) var<storage, read_write> out0: array<f32>;

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

// out = max(a, 0)
@compute @workgroup_size(WG)
fn relu(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < p.n) { outA[i] = max(a[i], 0.0); }
}

// The gradient of relu(a) given b, the gradient of its output: b where a > 0, else 0.
@compute @workgroup_size(WG)
fn reluGrad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < p.n) { outAB[i] = select(0.0, b[i], a[i] > 0.0); }
}
