// Classifier baseline scores per pixel from a teacher's logits (no backward):
//   msp      = 1 - max softmax probability (high = anomalous)
//   maxLogit = -max logit
//   entropy  = -sum_c p_c log p_c = log S - sum_c p_c (x_c - m), with m the max
//              logit and S = sum_c exp(x_c - m), so large logits stay finite
//   argmax   = the first channel holding the max logit (the class prediction)
// Layout: logits [N, C, H, W], each score [N, 1, H, W]; pixel q = n * HW + s.
// Storage buffers: declared by shader() from the bindings in src/kernels/softmaxscores.ts.

struct Params {
  pixels: u32, hw: u32, c: u32, // N * H * W, H * W, C
}

@compute @workgroup_size(WG)
fn scores(e: Element) {
  let q = index(e);
  if (q >= p.pixels) { return; }
  let b = pixelBase(q, p.hw, p.c);
  var m = logits[b];
  var best = 0u;
  for (var k = 1u; k < p.c; k++) {
    let x = logits[b + k * p.hw];
    if (x > m) {
      m = x;
      best = k;
    }
  }
  var s = 0.0;
  var weighted = 0.0; // sum_c exp(x_c - m) (x_c - m)
  for (var k = 0u; k < p.c; k++) {
    let z = logits[b + k * p.hw] - m;
    let e = exp(z);
    s += e;
    weighted += e * z;
  }
  msp[q] = 1.0 - 1.0 / s;
  maxLogit[q] = -m;
  entropy[q] = log(s) - weighted / s;
  argmax[q] = i32(best);
}
