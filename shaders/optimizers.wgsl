// Parameter updates, one invocation per element, in place. PyTorch's update
// rules (torch.optim.SGD, Adam, AdamW), so that training matches the reference.
// Storage buffers: declared by shader() from the bindings in src/kernels/optimizers.ts.

struct Params {
  n: u32, lr: f32, weightDecay: f32,
  momentum: f32, // SGD
  beta1: f32, beta2: f32, eps: f32, // Adam
  // Adam: 1 - beta1^t and sqrt(1 - beta2^t), the bias corrections of step t
  correction1: f32, correction2Sqrt: f32,
  // AdamW: 1 when weight decay is decoupled from the gradient
  decoupled: u32,
}

// 1 when the step's loss and gradients are finite (finite.wgsl); 0 skips the update.

// buf = momentum * buf + (grad + wd * param); param -= lr * buf.
// The buffer starts at zero, which equals PyTorch's first step (buf = grad).
@compute @workgroup_size(WG)
fn sgd(e: Element) {
  let i = index(e);
  if (i >= p.n || finiteFlag[0] == 0u) { return; }
  let d = grad[i] + p.weightDecay * param[i];
  let buf = p.momentum * m[i] + d;
  m[i] = buf;
  param[i] = param[i] - p.lr * buf;
}

@compute @workgroup_size(WG)
fn adam(e: Element) {
  let i = index(e);
  if (i >= p.n || finiteFlag[0] == 0u) { return; }
  var w = param[i];
  var g = grad[i];
  if (p.decoupled == 1u) {
    w = w * (1.0 - p.lr * p.weightDecay);
  } else {
    g = g + p.weightDecay * w;
  }
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let denom = sqrt(vi) / p.correction2Sqrt + p.eps;
  param[i] = w - (p.lr / p.correction1) * mi / denom;
}
