// Per-pixel feature distance, the anomaly score: mean over channels of (a - b)^2.
//   forward:  d[q] = sum_c (a - b)^2 / C, one invocation per pixel q = n * HW + s;
//   backward: da = g[q] * 2 / C * (a - b), one invocation per element (db = -da, made by the caller).
// Layout: a, b [N, C, H, W], d [N, 1, H, W].
// Storage buffers: declared by shader() from the bindings in src/kernels/featuredistance.ts.

struct Params {
  pixels: u32, hw: u32, c: u32, // N * H * W, H * W, C
  twoOverC: f32,
}

@compute @workgroup_size(WG)
fn forward(e: Element) {
  let q = index(e);
  if (q >= p.pixels) { return; }
  let base = pixelBase(q, p.hw, p.c);
  var s = 0.0;
  for (var k = 0u; k < p.c; k++) {
    let d = a[base + k * p.hw] - b[base + k * p.hw];
    s += d * d;
  }
  distance[q] = s / f32(p.c);
}

@compute @workgroup_size(WG)
fn backward(e: Element) {
  let i = index(e);
  if (i >= p.pixels * p.c) { return; }
  let q = (i / (p.c * p.hw)) * p.hw + i % p.hw;
  da[i] = g[q] * p.twoOverC * (a[i] - b[i]);
}
