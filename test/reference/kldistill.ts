// Float64 reference of the KL distillation distance: per pixel
// T^2 * KL(softmax(t / T) || softmax(s / T)) over channels, and its mean.
import { forEachPixel, logSoftmax, type Nchw } from './channels';

function logProbs(x: Float64Array, at: number[], temperature: number): Float64Array {
  return logSoftmax(at.map((i) => x[i]! / temperature));
}

const kl = (lt: Float64Array, ls: Float64Array): number => lt.reduce((sum, v, k) => sum + Math.exp(v) * (v - ls[k]!), 0);

/** [N, 1, H, W] */
export function klDistance(s: Float64Array, t: Float64Array, d: Nchw, temperature: number): Float64Array {
  const out = new Float64Array(d.n * d.h * d.w);
  forEachPixel(d, (at, q) => (out[q] = temperature ** 2 * kl(logProbs(t, at, temperature), logProbs(s, at, temperature))));
  return out;
}

/** Gradients to student and teacher, given g [N, 1, H, W]. */
export function klDistanceGrad(s: Float64Array, t: Float64Array, d: Nchw, temperature: number, g: Float64Array): [Float64Array, Float64Array] {
  const ds = new Float64Array(s.length);
  const dt = new Float64Array(t.length);
  forEachPixel(d, (at, q) => {
    const ls = logProbs(s, at, temperature);
    const lt = logProbs(t, at, temperature);
    const divergence = kl(lt, ls);
    at.forEach((i, k) => {
      ds[i] = g[q]! * temperature * (Math.exp(ls[k]!) - Math.exp(lt[k]!));
      dt[i] = g[q]! * temperature * Math.exp(lt[k]!) * (lt[k]! - ls[k]! - divergence);
    });
  });
  return [ds, dt];
}

export function klDistill(s: Float64Array, t: Float64Array, d: Nchw, temperature: number): Float64Array {
  const map = klDistance(s, t, d, temperature);
  return Float64Array.of(map.reduce((a, b) => a + b, 0) / map.length);
}

export function klDistillGrad(s: Float64Array, t: Float64Array, d: Nchw, temperature: number, g: Float64Array): [Float64Array, Float64Array] {
  const pixels = d.n * d.h * d.w;
  return klDistanceGrad(s, t, d, temperature, new Float64Array(pixels).fill(g[0]! / pixels));
}
