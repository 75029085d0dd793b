// Inference: a batch norm with fixed (running) statistics after a conv is an
// affine map per output channel, so it folds into the conv:
//   scale[co]        = bnWeight[co] * inverseSqrt(runningVar[co] + eps)
//   foldedWeight[co] = weight[co] * scale[co]
//   foldedBias[co]   = bnBias[co] + (convBias[co] - runningMean[co]) * scale[co]
// and the conv (shaders/conv2d.wgsl) runs once with the folded weights, adding
// the residual and applying ReLU in its epilogue.
// Storage buffers: declared by shader() from the bindings in src/kernels/conv2dbatchnorm.ts.

override HAS_CONV_BIAS: bool = false;
override HAS_BN_WEIGHT: bool = true;
override HAS_BN_BIAS: bool = true;

struct Params {
  cOut: u32, perChannel: u32, // weight [cOut, perChannel = cIn * kh * kw]
  eps: f32,
}

fn scaleOf(co: u32) -> f32 {
  var gamma = 1.0;
  if (HAS_BN_WEIGHT) { gamma = bnWeight[co]; }
  return gamma * inverseSqrt(runningVar[co] + p.eps);
}

// One invocation per weight; the first of each output channel writes its bias.
@compute @workgroup_size(WG)
fn fold(e: Element) {
  let i = index(e);
  if (i >= p.cOut * p.perChannel) { return; }
  let co = i / p.perChannel;
  let scale = scaleOf(co);
  foldedWeight[i] = weight[i] * scale;
  if (i % p.perChannel != 0u) { return; }
  var shift = -runningMean[co];
  if (HAS_CONV_BIAS) { shift += convBias[co]; }
  var beta = 0.0;
  if (HAS_BN_BIAS) { beta = bnBias[co]; }
  foldedBias[co] = beta + shift * scale;
}
