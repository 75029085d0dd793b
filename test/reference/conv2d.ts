// Float64 reference of conv2d (NCHW, weight [cOut, cIn, kh, kw]) and its gradients:
// direct loops over every output and window position.
import type { Conv2dGeometry } from '../../src/kernels/conv2d';

function outSize(g: Conv2dGeometry): [number, number] {
  const size = (x: number, k: number) => Math.floor((x + 2 * g.padding - g.dilation * (k - 1) - 1) / g.stride) + 1;
  return [size(g.h, g.kh), size(g.w, g.kw)];
}

/** Calls visit(xIndex, weightIndex, yIndex) for every product term of the convolution. */
function forEachTerm(g: Conv2dGeometry, visit: (xi: number, wi: number, yi: number) => void): void {
  const [ho, wo] = outSize(g);
  for (let n = 0; n < g.n; n++)
    for (let co = 0; co < g.cOut; co++)
      for (let oh = 0; oh < ho; oh++)
        for (let ow = 0; ow < wo; ow++)
          for (let ci = 0; ci < g.cIn; ci++)
            for (let ky = 0; ky < g.kh; ky++)
              for (let kx = 0; kx < g.kw; kx++) {
                const ih = oh * g.stride - g.padding + ky * g.dilation;
                const iw = ow * g.stride - g.padding + kx * g.dilation;
                if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
                visit(((n * g.cIn + ci) * g.h + ih) * g.w + iw, ((co * g.cIn + ci) * g.kh + ky) * g.kw + kx, ((n * g.cOut + co) * ho + oh) * wo + ow);
              }
}

export function conv2d(x: Float64Array, weight: Float64Array, bias: Float64Array | null, g: Conv2dGeometry): Float64Array {
  const [ho, wo] = outSize(g);
  const y = new Float64Array(g.n * g.cOut * ho * wo);
  if (bias) y.forEach((_, i) => (y[i] = bias[Math.floor(i / (ho * wo)) % g.cOut]!));
  forEachTerm(g, (xi, wi, yi) => (y[yi] += x[xi]! * weight[wi]!));
  return y;
}

export function conv2dGradInput(weight: Float64Array, dy: Float64Array, g: Conv2dGeometry): Float64Array {
  const dx = new Float64Array(g.n * g.cIn * g.h * g.w);
  forEachTerm(g, (xi, wi, yi) => (dx[xi] += weight[wi]! * dy[yi]!));
  return dx;
}

export function conv2dGradWeight(x: Float64Array, dy: Float64Array, g: Conv2dGeometry): Float64Array {
  const dw = new Float64Array(g.cOut * g.cIn * g.kh * g.kw);
  forEachTerm(g, (xi, wi, yi) => (dw[wi] += x[xi]! * dy[yi]!));
  return dw;
}

export function conv2dGradBias(dy: Float64Array, g: Conv2dGeometry): Float64Array {
  const [ho, wo] = outSize(g);
  const db = new Float64Array(g.cOut);
  dy.forEach((v, i) => (db[Math.floor(i / (ho * wo)) % g.cOut] += v));
  return db;
}
