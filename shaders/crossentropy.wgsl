// Softmax cross-entropy over channels with an ignore label, mean over the
// counted pixels (PyTorch CrossEntropyLoss(ignore_index, reduction='mean')).
// A pixel counts when its label is a class in [0, C) other than the ignore
// index; any other label is ignored rather than read out of bounds.
//   pixelLoss: per pixel, loss and whether it counts, as two rows of P values
//   (summed by shaders/reduce.wgsl into [loss sum, count]);
//   average:   loss = loss sum / max(count, 1), so 0 when nothing counts;
//   backward:  dlogits = g / max(count, 1) * (softmax - onehot(label)) on counted pixels.
// Layout: logits [N, C, H, W], labels [N, H, W]; pixel q = n * HW + s.
// Storage buffers: declared by shader() from the bindings in src/kernels/crossentropy.ts.

struct Params {
  pixels: u32, hw: u32, c: u32, // N * H * W, H * W, C
  ignoreIndex: i32,
}

fn counts(label: i32) -> bool {
  return label != p.ignoreIndex && label >= 0 && label < i32(p.c);
}

// max and log-sum-exp over the channels of the pixel at `b`.
struct Softmax {
  m: f32,
  logSum: f32,
}

fn softmaxAt(b: u32) -> Softmax {
  var m = logits[b];
  for (var k = 1u; k < p.c; k++) { m = max(m, logits[b + k * p.hw]); }
  var s = 0.0;
  for (var k = 0u; k < p.c; k++) { s += exp(logits[b + k * p.hw] - m); }
  return Softmax(m, log(s));
}

@compute @workgroup_size(WG)
fn pixelLoss(e: Element) {
  let q = index(e);
  if (q >= p.pixels) { return; }
  let label = labels[q];
  var l = 0.0;
  var counted = 0.0;
  if (counts(label)) {
    let b = pixelBase(q, p.hw, p.c);
    let sm = softmaxAt(b);
    l = sm.logSum - (logits[b + u32(label) * p.hw] - sm.m);
    counted = 1.0;
  }
  lossAndCount[q] = l;
  lossAndCount[p.pixels + q] = counted;
}

@compute @workgroup_size(1)
fn average() {
  loss[0] = sums[0] / max(sums[1], 1.0);
}

@compute @workgroup_size(WG)
fn backward(e: Element) {
  let q = index(e);
  if (q >= p.pixels) { return; }
  let label = labels[q];
  let b = pixelBase(q, p.hw, p.c);
  if (!counts(label)) {
    for (var k = 0u; k < p.c; k++) { dlogits[b + k * p.hw] = 0.0; }
    return;
  }
  let scale = g[0] / max(totals[1], 1.0);
  let sm = softmaxAt(b);
  for (var k = 0u; k < p.c; k++) {
    let prob = exp(logits[b + k * p.hw] - sm.m - sm.logSum);
    dlogits[b + k * p.hw] = scale * (prob - select(0.0, 1.0, i32(k) == label));
  }
}
