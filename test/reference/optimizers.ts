// Float64 references of PyTorch's torch.optim update rules.

export function sgdStep(p: Float64Array, g: Float64Array, buf: Float64Array, lr: number, momentum: number, wd: number, first: boolean): void {
  for (let i = 0; i < p.length; i++) {
    const d = g[i]! + wd * p[i]!;
    buf[i] = first ? d : momentum * buf[i]! + d;
    p[i] = p[i]! - lr * buf[i]!;
  }
}

export function adamStep(
  p: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  h: { lr: number; beta1: number; beta2: number; eps: number; wd: number; decoupled: boolean; step: number },
): void {
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  for (let i = 0; i < p.length; i++) {
    let grad = g[i]!;
    if (h.decoupled) p[i] = p[i]! * (1 - h.lr * h.wd);
    else grad += h.wd * p[i]!;
    m[i] = h.beta1 * m[i]! + (1 - h.beta1) * grad;
    v[i] = h.beta2 * v[i]! + (1 - h.beta2) * grad * grad;
    p[i] = p[i]! - (h.lr / bc1) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(bc2) + h.eps));
  }
}

export function polyLearningRate(base: number, iteration: number, max: number, power: number): number {
  return base * Math.pow(1 - iteration / max, power);
}
