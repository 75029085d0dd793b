// Mean squared error over all n elements: loss = sum (a - b)^2 / n.
//   squaredDifference: (a - b)^2 per element (then summed by shaders/reduce.wgsl);
//   backward: da = g * 2 / n * (a - b) (and db = -da, made by the caller).

struct Params { n: u32, twoOverN: f32 }

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> squares: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> da: array<f32>;

@compute @workgroup_size(WG)
fn squaredDifference(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < p.n) {
    let d = a[i] - b[i];
    squares[i] = d * d;
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = index(gid, nwg);
  if (i < p.n) { da[i] = g[0] * p.twoOverN * (a[i] - b[i]); }
}
