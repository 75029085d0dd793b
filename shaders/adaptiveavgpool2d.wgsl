// Adaptive average pool 2d over NCHW planes with PyTorch's bins: output row o
// averages input rows [floor(o * h / oh), ceil((o + 1) * h / oh)); bins of
// neighbouring outputs may overlap. The backward is a gather: input row i lies
// in the bins o in [floor(i * oh / h), ceil((i + 1) * oh / h) - 1] (the same
// formula with the sizes swapped), and sums their gradients over the bin areas.
// Storage buffers: declared by shader() from the bindings in src/kernels/adaptiveavgpool2d.ts.

struct Params {
  planes: u32, h: u32, w: u32, // N * C planes of h x w in
  oh: u32, ow: u32, // and of oh x ow out
}

// [start, end) of bin o when `size` elements are split into `bins`.
fn bin(o: u32, size: u32, bins: u32) -> vec2u {
  return vec2u(o * size / bins, ((o + 1u) * size + bins - 1u) / bins);
}

@compute @workgroup_size(WG)
fn forward(e: Element) {
  let o = index(e);
  if (o >= p.planes * p.oh * p.ow) { return; }
  let rows = bin((o / p.ow) % p.oh, p.h, p.oh);
  let cols = bin(o % p.ow, p.w, p.ow);
  let base = (o / (p.ow * p.oh)) * p.h * p.w;
  var sum = 0.0;
  for (var iy = rows.x; iy < rows.y; iy++) {
    for (var ix = cols.x; ix < cols.y; ix++) {
      sum += x[base + iy * p.w + ix];
    }
  }
  y[o] = sum / f32((rows.y - rows.x) * (cols.y - cols.x));
}

@compute @workgroup_size(WG)
fn backward(e: Element) {
  let i = index(e);
  if (i >= p.planes * p.h * p.w) { return; }
  let iy = (i / p.w) % p.h;
  let ix = i % p.w;
  let rowBins = bin(iy, p.oh, p.h);
  let colBins = bin(ix, p.ow, p.w);
  let base = (i / (p.w * p.h)) * p.oh * p.ow;
  var sum = 0.0;
  for (var oy = rowBins.x; oy < rowBins.y; oy++) {
    let rows = bin(oy, p.h, p.oh);
    for (var ox = colBins.x; ox < colBins.y; ox++) {
      let cols = bin(ox, p.w, p.ow);
      sum += dy[base + oy * p.ow + ox] / f32((rows.y - rows.x) * (cols.y - cols.x));
    }
  }
  dx[i] = sum;
}
