// Float64 reference of softmax cross-entropy with an ignore label, mean over
// counted pixels (labels in [0, C) other than the ignore index).
import { forEachPixel, logSoftmax, type Nchw } from './channels';

const counts = (label: number, c: number, ignoreIndex: number): boolean => label !== ignoreIndex && label >= 0 && label < c;

function countOf(labels: Int32Array, c: number, ignoreIndex: number): number {
  return labels.reduce((k, l) => k + (counts(l, c, ignoreIndex) ? 1 : 0), 0);
}

export function crossEntropy(x: Float64Array, labels: Int32Array, d: Nchw, ignoreIndex: number): Float64Array {
  let total = 0;
  forEachPixel(d, (at, q) => {
    const label = labels[q]!;
    if (counts(label, d.c, ignoreIndex)) total -= logSoftmax(at.map((i) => x[i]!))[label]!;
  });
  const count = countOf(labels, d.c, ignoreIndex);
  return Float64Array.of(count ? total / count : 0);
}

export function crossEntropyGrad(x: Float64Array, labels: Int32Array, d: Nchw, ignoreIndex: number, g: Float64Array): Float64Array {
  const dx = new Float64Array(x.length);
  const count = countOf(labels, d.c, ignoreIndex);
  forEachPixel(d, (at, q) => {
    const label = labels[q]!;
    if (!counts(label, d.c, ignoreIndex)) return;
    const logp = logSoftmax(at.map((i) => x[i]!));
    at.forEach((i, k) => (dx[i] = (g[0]! / count) * (Math.exp(logp[k]!) - (k === label ? 1 : 0))));
  });
  return dx;
}
