// Max pool 2d over NCHW planes; padding counts as -inf and the output size is
// floor((size + 2 * padding - kernel) / stride) + 1, as in PyTorch. The forward
// can keep each window's argmax (flat index in its input plane, the first
// maximum in row-major order on ties, as PyTorch) so that the backward is a
// gather: every input element sums the gradients of the windows that picked it.
// No atomics, so the gradient is deterministic.
// Storage buffers: declared by shader() from the bindings in src/kernels/maxpool2d.ts.

struct Params {
  planes: u32, h: u32, w: u32, // N * C planes of h x w in
  oh: u32, ow: u32, // and of oh x ow out
  kernel: u32, stride: u32, padding: u32,
}

struct WindowMax {
  value: f32,
  index: u32,
}

// The window of output element o; padding <= kernel / 2 (checked at launch)
// guarantees it holds at least one input element.
fn windowMax(o: u32) -> WindowMax {
  let ox = o % p.ow;
  let oy = (o / p.ow) % p.oh;
  let plane = o / (p.ow * p.oh);
  let y0 = i32(oy * p.stride) - i32(p.padding);
  let x0 = i32(ox * p.stride) - i32(p.padding);
  let yStart = u32(max(y0, 0));
  let xStart = u32(max(x0, 0));
  let yEnd = u32(min(y0 + i32(p.kernel), i32(p.h)));
  let xEnd = u32(min(x0 + i32(p.kernel), i32(p.w)));
  let base = plane * p.h * p.w;
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
fn forward(e: Element) {
  let o = index(e);
  if (o >= p.planes * p.oh * p.ow) { return; }
  y[o] = windowMax(o).value;
}

@compute @workgroup_size(WG)
fn forwardArgmax(e: Element) {
  let o = index(e);
  if (o >= p.planes * p.oh * p.ow) { return; }
  let best = windowMax(o);
  y[o] = best.value;
  argmaxOut[o] = best.index;
}

// Output rows (or columns) whose window covers input row i: the o with
// o * stride - padding <= i < o * stride - padding + kernel.
fn windowsCovering(i: u32, outSize: u32) -> vec2u {
  let reach = i32(i + p.padding) - i32(p.kernel) + 1;
  let first = select(0u, (u32(max(reach, 0)) + p.stride - 1u) / p.stride, reach > 0);
  let last = min((i + p.padding) / p.stride, outSize - 1u);
  return vec2u(first, last);
}

@compute @workgroup_size(WG)
fn backward(e: Element) {
  let i = index(e);
  if (i >= p.planes * p.h * p.w) { return; }
  let inPlane = i % (p.h * p.w);
  let plane = i / (p.h * p.w);
  let rows = windowsCovering(inPlane / p.w, p.oh);
  let cols = windowsCovering(inPlane % p.w, p.ow);
  let base = plane * p.oh * p.ow;
  var sum = 0.0;
  for (var oy = rows.x; oy <= rows.y; oy++) {
    for (var ox = cols.x; ox <= cols.y; ox++) {
      let o = base + oy * p.ow + ox;
      if (argmax[o] == inPlane) { sum += dy[o]; }
    }
  }
  dx[i] = sum;
}
