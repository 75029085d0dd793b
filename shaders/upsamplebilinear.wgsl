// Bilinear resampling of NCHW planes, PyTorch's F.interpolate(mode='bilinear'):
//   align_corners true:  source = dst * (in - 1) / (out - 1)   (0 when out = 1)
//   align_corners false: source = max((dst + 0.5) * in / out - 0.5, 0)
// then i0 = floor(source), i1 = min(i0 + 1, in - 1), weights 1 - l and l with
// l = source - i0. The backward is a gather: every input pixel visits the output
// pixels whose taps may reach it, recomputes their taps exactly as the forward
// does and sums the weighted gradients where a tap lands on it (no atomics).
// Storage buffers: declared by shader() from the bindings in src/kernels/upsamplebilinear.ts.

struct Params {
  planes: u32, h: u32, w: u32, // N * C planes of h x w in
  oh: u32, ow: u32, // and of oh x ow out
  scaleH: f32, scaleW: f32, alignCorners: u32,
}

struct Tap {
  i0: u32,
  i1: u32,
  l1: f32,
}

fn source(dst: u32, scale: f32) -> f32 {
  if (p.alignCorners != 0u) { return f32(dst) * scale; }
  return max((f32(dst) + 0.5) * scale - 0.5, 0.0);
}

fn tap(dst: u32, size: u32, scale: f32) -> Tap {
  let s = source(dst, scale);
  let i0 = min(u32(s), size - 1u);
  return Tap(i0, min(i0 + 1u, size - 1u), s - f32(i0));
}

// The weight with which tap t reads input index i (both taps may be i at the edge).
fn weight(t: Tap, i: u32) -> f32 {
  return select(0.0, 1.0 - t.l1, t.i0 == i) + select(0.0, t.l1, t.i1 == i);
}

// Output indices whose source lies in [i - 1, i + 1], widened by one on each side
// so float rounding cannot drop one; the exact test is weight().
fn reaching(i: u32, outSize: u32, scale: f32) -> vec2u {
  if (scale == 0.0) { return vec2u(0u, outSize - 1u); }
  let offset = select(0.5 * scale - 0.5, 0.0, p.alignCorners != 0u);
  let first = floor((f32(i) - 1.0 - offset) / scale) - 1.0;
  let last = ceil((f32(i) + 1.0 - offset) / scale) + 1.0;
  return vec2u(u32(max(first, 0.0)), u32(min(last, f32(outSize - 1u))));
}

// Both directions run workgroups (ceil(columns / WG), rows, plane groups), an
// invocation walking planes z, z + groups, ...: a workgroup's row (and its
// vertical taps) is the same for all its invocations and nothing divides.

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let ox = gid.x;
  if (ox >= p.ow) { return; }
  let r = tap(gid.y, p.h, p.scaleH);
  let c = tap(ox, p.w, p.scaleW);
  for (var plane = gid.z; plane < p.planes; plane += groups.z) {
    let top = plane * p.h * p.w + r.i0 * p.w;
    let bottom = plane * p.h * p.w + r.i1 * p.w;
    let upper = mix(x[top + c.i0], x[top + c.i1], c.l1);
    let lower = mix(x[bottom + c.i0], x[bottom + c.i1], c.l1);
    y[(plane * p.oh + gid.y) * p.ow + ox] = mix(upper, lower, r.l1);
  }
}

/** Columns and rows whose weights one pass of the backward keeps. */
const COLUMNS = 32u;
const ROWS = 32u;

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let ix = gid.x;
  if (ix >= p.w) { return; }
  let iy = gid.y;
  let rows = reaching(iy, p.oh, p.scaleH);
  let cols = reaching(ix, p.ow, p.scaleW);
  // The weights depend on the column and the row only, not the plane: each
  // pass over a block of them computes them once for all the planes, whose
  // sums it carries over in dx (in the order of one sum over all columns
  // and rows).
  for (var c0 = cols.x; c0 <= cols.y; c0 += COLUMNS) {
    let columns = min(COLUMNS, cols.y + 1u - c0);
    var wx: array<f32, COLUMNS>;
    for (var k = 0u; k < columns; k++) { wx[k] = weight(tap(c0 + k, p.w, p.scaleW), ix); }
    for (var r0 = rows.x; r0 <= rows.y; r0 += ROWS) {
      let count = min(ROWS, rows.y + 1u - r0);
      var wy: array<f32, ROWS>;
      for (var r = 0u; r < count; r++) { wy[r] = weight(tap(r0 + r, p.h, p.scaleH), iy); }
      let first = c0 == cols.x && r0 == rows.x;
      for (var plane = gid.z; plane < p.planes; plane += groups.z) {
        let at = (plane * p.h + iy) * p.w + ix;
        var sum = 0.0;
        if (!first) { sum = dx[at]; }
        for (var r = 0u; r < count; r++) {
          if (wy[r] == 0.0) { continue; }
          let row = (plane * p.oh + r0 + r) * p.ow + c0;
          var rowSum = 0.0;
          for (var k = 0u; k < columns; k++) { rowSum = fma(wx[k], dy[row + k], rowSum); }
          sum = fma(wy[r], rowSum, sum);
        }
        dx[at] = sum;
      }
    }
  }
}
