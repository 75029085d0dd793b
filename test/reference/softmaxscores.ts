// Float64 reference of the softmax baseline scores per pixel.
import { forEachPixel, logSoftmax, type Nchw } from './channels';

export interface Scores {
  msp: Float64Array;
  maxLogit: Float64Array;
  entropy: Float64Array;
  argmax: Int32Array;
}

export function softmaxScores(x: Float64Array, d: Nchw): Scores {
  const pixels = d.n * d.h * d.w;
  const out: Scores = { msp: new Float64Array(pixels), maxLogit: new Float64Array(pixels), entropy: new Float64Array(pixels), argmax: new Int32Array(pixels) };
  forEachPixel(d, (at, q) => {
    const z = at.map((i) => x[i]!);
    const logp = logSoftmax(z);
    const best = z.indexOf(Math.max(...z));
    out.msp[q] = 1 - Math.exp(logp[best]!);
    out.maxLogit[q] = -z[best]!;
    out.entropy[q] = -logp.reduce((s, l) => s + Math.exp(l) * l, 0);
    out.argmax[q] = best;
  });
  return out;
}
