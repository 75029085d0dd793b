// Float64 reference of softmax cross-entropy with an ignore label and optional
// class weights: the weighted mean over counted pixels (labels in [0, C) other
// than the ignore index) of -log softmax[label], as PyTorch's
// CrossEntropyLoss(weight, ignore_index): sum of w[label] * loss / sum of w[label].
import { forEachPixel, logSoftmax, type Nchw } from './channels';

const counts = (label: number, c: number, ignoreIndex: number): boolean => label !== ignoreIndex && label >= 0 && label < c;

function weightSum(labels: Int32Array, c: number, ignoreIndex: number, weights: Float64Array | null): number {
  return labels.reduce((k, l) => k + (counts(l, c, ignoreIndex) ? (weights ? weights[l]! : 1) : 0), 0);
}

export function crossEntropy(x: Float64Array, labels: Int32Array, d: Nchw, ignoreIndex: number, weights: Float64Array | null = null): Float64Array {
  let total = 0;
  forEachPixel(d, (at, q) => {
    const label = labels[q]!;
    if (counts(label, d.c, ignoreIndex)) total -= (weights ? weights[label]! : 1) * logSoftmax(at.map((i) => x[i]!))[label]!;
  });
  const sum = weightSum(labels, d.c, ignoreIndex, weights);
  return Float64Array.of(sum ? total / sum : 0);
}

export function crossEntropyGrad(x: Float64Array, labels: Int32Array, d: Nchw, ignoreIndex: number, g: Float64Array, weights: Float64Array | null = null): Float64Array {
  const dx = new Float64Array(x.length);
  const sum = weightSum(labels, d.c, ignoreIndex, weights);
  forEachPixel(d, (at, q) => {
    const label = labels[q]!;
    if (!counts(label, d.c, ignoreIndex)) return;
    const logp = logSoftmax(at.map((i) => x[i]!));
    const w = weights ? weights[label]! : 1;
    at.forEach((i, k) => (dx[i] = ((g[0]! * w) / sum) * (Math.exp(logp[k]!) - (k === label ? 1 : 0))));
  });
  return dx;
}
