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

@compute @workgroup_size(WG)
fn forward(e: Element) {
  let o = index(e);
  if (o >= p.planes * p.oh * p.ow) { return; }
  let r = tap((o / p.ow) % p.oh, p.h, p.scaleH);
  let c = tap(o % p.ow, p.w, p.scaleW);
  let base = (o / (p.ow * p.oh)) * p.h * p.w;
  let top = (1.0 - c.l1) * x[base + r.i0 * p.w + c.i0] + c.l1 * x[base + r.i0 * p.w + c.i1];
  let bottom = (1.0 - c.l1) * x[base + r.i1 * p.w + c.i0] + c.l1 * x[base + r.i1 * p.w + c.i1];
  y[o] = (1.0 - r.l1) * top + r.l1 * bottom;
}

@compute @workgroup_size(WG)
fn backward(e: Element) {
  let i = index(e);
  if (i >= p.planes * p.h * p.w) { return; }
  let iy = (i / p.w) % p.h;
  let ix = i % p.w;
  let rows = reaching(iy, p.oh, p.scaleH);
  let cols = reaching(ix, p.ow, p.scaleW);
  let base = (i / (p.w * p.h)) * p.oh * p.ow;
  var sum = 0.0;
  for (var oy = rows.x; oy <= rows.y; oy++) {
    let wy = weight(tap(oy, p.h, p.scaleH), iy);
    if (wy == 0.0) { continue; }
    var rowSum = 0.0;
    for (var ox = cols.x; ox <= cols.y; ox++) {
      rowSum += weight(tap(ox, p.w, p.scaleW), ix) * dy[base + oy * p.ow + ox];
    }
    sum += wy * rowSum;
  }
  dx[i] = sum;
}
