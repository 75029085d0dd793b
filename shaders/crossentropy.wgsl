// Softmax cross-entropy over channels with an ignore label and optional class
// weights, the weighted mean over the counted pixels (PyTorch
// CrossEntropyLoss(weight, ignore_index, reduction='mean')).
// A pixel counts when its label is a class in [0, C) other than the ignore
// index; any other label is ignored rather than read out of bounds. Its weight
// is classWeights[label] with WEIGHTED, else 1.
//   pixelLoss: per pixel, weight * loss and the weight (0 when it does not
//   count), as two rows of P values (summed by shaders/reduce.wgsl into
//   [loss sum, weight sum]);
//   average:   loss = loss sum / weight sum, 0 when nothing counts;
//   backward:  dlogits = g * weight / weight sum * (softmax - onehot(label)) on counted pixels.
// Layout: logits [N, C, H, W], labels [N, H, W]; pixel q = n * HW + s.
// Storage buffers: declared by shader() from the bindings in src/kernels/crossentropy.ts.

struct Params {
  pixels: u32, hw: u32, c: u32, // N * H * W, H * W, C
  ignoreIndex: i32,
}

override WEIGHTED: bool = false;

fn counts(label: i32) -> bool {
  return label != p.ignoreIndex && label >= 0 && label < i32(p.c);
}

// max and log-sum-exp over the channels of the pixel at `b`.
struct Softmax {
  m: f32,
  logSum: f32,
}

fn weightOf(label: i32) -> f32 {
  if (WEIGHTED) { return classWeights[label]; }
  return 1.0;
}

// The denominator of the mean: the weight sum, or 1 when nothing counts (loss and gradient 0).
fn denominator(weightSum: f32) -> f32 {
  return select(weightSum, 1.0, weightSum == 0.0);
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
    counted = weightOf(label);
    l = counted * (sm.logSum - (logits[b + u32(label) * p.hw] - sm.m));
  }
  lossAndCount[q] = l;
  lossAndCount[p.pixels + q] = counted;
}

@compute @workgroup_size(1)
fn average() {
  loss[0] = sums[0] / denominator(sums[1]);
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
  let scale = g[0] * weightOf(label) / denominator(totals[1]);
  let sm = softmaxAt(b);
  for (var k = 0u; k < p.c; k++) {
    let prob = exp(logits[b + k * p.hw] - sm.m - sm.logSum);
    dlogits[b + k * p.hw] = scale * (prob - select(0.0, 1.0, i32(k) == label));
  }
}
