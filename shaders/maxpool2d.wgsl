// Max pool 2d over NCHW planes; padding counts as -inf and the output size is
// floor((size + 2 * padding - kernel) / stride) + 1, as in PyTorch. The forward
// can keep each window's argmax (flat index in its input plane, the first
// maximum in row-major order on ties, as PyTorch) for the backward, which adds
// each window's gradient at its argmax into a zeroed dx. Windows overlap, but
// not those of outputs `classes` = ceil(kernel / stride) apart in both
// directions: one launch per such class of outputs (row and column mod
// classes) writes each input at most once, so no atomics are needed and the
// gradient is deterministic.
// Storage buffers: declared by shader() from the bindings in src/kernels/maxpool2d.ts.

struct Params {
  planes: u32, h: u32, w: u32, // N * C planes of h x w in
  oh: u32, ow: u32, // and of oh x ow out
  kernel: u32, stride: u32, padding: u32,
  classes: u32, classY: u32, classX: u32, // backward: the outputs (classY + classes * r, classX + classes * c)
}

struct WindowMax {
  value: f32,
  index: u32,
}

// Both directions run workgroups (ceil(columns / WG), rows, plane groups), an
// invocation walking planes z, z + groups, ... (perPlaneRow in src/kernels/grid.ts).

// The window of output (oy, ox) in the plane at `base`; padding <= kernel / 2
// (checked at launch) guarantees it holds at least one input element.
fn windowMax(base: u32, oy: u32, ox: u32) -> WindowMax {
  let y0 = i32(oy * p.stride) - i32(p.padding);
  let x0 = i32(ox * p.stride) - i32(p.padding);
  let yStart = u32(max(y0, 0));
  let xStart = u32(max(x0, 0));
  let yEnd = u32(min(y0 + i32(p.kernel), i32(p.h)));
  let xEnd = u32(min(x0 + i32(p.kernel), i32(p.w)));
  var best = WindowMax(x[base + yStart * p.w + xStart], yStart * p.w + xStart);
  for (var iy = yStart; iy < yEnd; iy++) {
    for (var ix = xStart; ix < xEnd; ix++) {
      let v = x[base + iy * p.w + ix];
      if (v > best.value) {
        best = WindowMax(v, iy * p.w + ix);
      }
    }
  }
  return best;
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  if (gid.x >= p.ow) { return; }
  for (var plane = gid.z; plane < p.planes; plane += groups.z) {
    y[(plane * p.oh + gid.y) * p.ow + gid.x] = windowMax(plane * p.h * p.w, gid.y, gid.x).value;
  }
}

@compute @workgroup_size(WG)
fn forwardArgmax(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  if (gid.x >= p.ow) { return; }
  for (var plane = gid.z; plane < p.planes; plane += groups.z) {
    let best = windowMax(plane * p.h * p.w, gid.y, gid.x);
    let o = (plane * p.oh + gid.y) * p.ow + gid.x;
    y[o] = best.value;
    argmaxOut[o] = best.index;
  }
}

// dx += dy at the argmax of each window of the class. Workgroups
// (ceil(class columns / WG), class rows, plane groups).
@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let ox = p.classX + p.classes * gid.x;
  if (ox >= p.ow) { return; }
  let oy = p.classY + p.classes * gid.y;
  for (var plane = gid.z; plane < p.planes; plane += groups.z) {
    let o = (plane * p.oh + oy) * p.ow + ox;
    let i = plane * p.h * p.w + argmax[o];
    dx[i] += dy[o];
  }
}
