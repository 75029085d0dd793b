// Sums of rows: `rows` independent vectors of n values each, reduced by a tree
// in workgroup memory. One pass turns each row into ceil(n / (WG * ITEMS))
// partial sums; src/kernels/reduce.ts repeats passes until one value per row
// is left. Each workgroup owns a fixed slice, so the result is the same bits
// on every run for a given shape (no atomics).
// Storage buffers: declared by shader() from the bindings in src/kernels/reduce.ts.

// WG is a power of two, for the tree.
override ITEMS: u32; // values each invocation adds before the tree

struct Params {
  n: u32, alpha: f32,
  total: u32, // rows * n, for broadcast
}

var<workgroup> tree: array<f32, WG>;

// workgroup (group, row) -> partials[row * groups + group] = alpha * sum of its slice.
// Consecutive invocations read consecutive values: the slice is read in WG-wide strides.
@compute @workgroup_size(WG)
fn sumPartial(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let rowStart = wid.y * p.n;
  let sliceStart = wid.x * WG * ITEMS;
  var s = 0.0;
  for (var k = 0u; k < ITEMS; k++) {
    let i = sliceStart + k * WG + lid.x;
    if (i < p.n) { s += x[rowStart + i]; }
  }
  tree[lid.x] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (lid.x < half) { tree[lid.x] += tree[lid.x + half]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { partials[wid.y * nwg.x + wid.x] = p.alpha * tree[0]; }
}

// The gradient of a row sum: dx[row * n + i] = alpha * g[row], one invocation per element.
@compute @workgroup_size(WG)
fn broadcast(e: Element) {
  let i = index(e);
  if (i < p.total) { dx[i] = p.alpha * g[i / p.n]; }
}
