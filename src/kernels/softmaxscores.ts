// Softmax baseline anomaly scores per pixel (shaders/softmaxscores.wgsl), one pass.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { shader } from '../gpu/shader';
import source from '../../shaders/softmaxscores.wgsl';
import { checkNchw, pixelParams } from './channelshapes';
import { perElement } from './grid';

const softmaxscores = shader('softmaxscores', source, {
  bindings: { scores: { reads: ['logits'], writes: ['msp', 'maxLogit', 'entropy', 'argmax'] } },
  types: { argmax: 'array<i32>' },
});
const WG = 64;

export interface SoftmaxScores {
  /** 1 - max softmax probability, float32 [N, 1, H, W]. */
  msp: GpuBuffer;
  /** -max logit, float32 [N, 1, H, W]. */
  maxLogit: GpuBuffer;
  /** softmax entropy (natural log), float32 [N, 1, H, W]. */
  entropy: GpuBuffer;
  /** predicted class, int32 [N, 1, H, W]. */
  argmax: GpuBuffer;
}

/** logits [n, c, h, w] -> the four per-pixel maps. */
export function softmaxScores(rt: GpuRuntime, logits: GpuBuffer, n: number, c: number, h: number, w: number): SoftmaxScores {
  const shape = checkNchw('softmaxScores', [n, c, h, w]);
  const pixels = n * h * w;
  const map = (what: string) => rt.pool.acquire(pixels * 4, what);
  const out = { msp: map('an MSP map'), maxLogit: map('a max-logit map'), entropy: map('an entropy map'), argmax: map('an argmax map') };
  rt.dispatch(softmaxscores, 'scores', {
    reads: { logits },
    writes: out,
    params: pixelParams(shape),
    ...perElement(pixels, WG),
  });
  return out;
}
