// Softmax cross-entropy with an ignore label and optional class weights
// (shaders/crossentropy.wgsl): per-pixel weighted losses and weights, summed by
// the row reduction, then averaged on the GPU.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError, formatShape } from '../base/shape';
import { shader } from '../gpu/shader';
import source from '../../shaders/crossentropy.wgsl';
import { checkNchw, pixelCount, pixelParams, type Nchw } from './channelshapes';
import { perElement } from './grid';
import { sumRows } from './reduce';

const crossentropy = shader('crossentropy', source, {
  bindings: {
    pixelLoss: { reads: ['logits', 'labels', 'classWeights'], writes: ['lossAndCount'] },
    average: { reads: ['sums'], writes: ['loss'] },
    backward: { reads: ['logits', 'labels', 'classWeights', 'totals', 'g'], writes: ['dlogits'] },
  },
  types: { labels: 'array<i32>' },
});
const WG = 64;

/** Throws unless logits are [N, C, H, W] and labels [N, H, W]. */
export function checkLogitsAndLabels(op: string, logits: readonly number[], labels: readonly number[]): Nchw {
  const fits = logits.length === 4 && logits[1]! >= 1 && labels.length === 3 && [0, 2, 3].every((d, i) => logits[d] === labels[i]);
  if (!fits) throw new ShapeError(op, `logits ${formatShape(logits)} need labels [N, H, W] to match, got ${formatShape(labels)}`);
  return checkNchw(op, logits);
}

export interface CrossEntropyForward {
  /** [1]: the (weighted) mean loss over counted pixels. */
  loss: GpuBuffer;
  /** [2]: weighted loss sum and weight sum of the counted pixels, which backward needs. */
  totals: GpuBuffer;
}

function params(shape: Nchw, ignoreIndex: number) {
  if (!Number.isInteger(ignoreIndex)) throw new RangeError(`crossEntropy: the ignore index must be an integer, got ${ignoreIndex}`);
  return { ...pixelParams(shape), ignoreIndex };
}

/** The weights buffer to bind (the logits stand in, unread, without weights) and the specialisation. */
function weighting(op: string, logits: GpuBuffer, classWeights: GpuBuffer | null, shape: Nchw) {
  if (classWeights && classWeights.bytes < shape[1] * 4) throw new ShapeError(op, `class weights hold ${classWeights.bytes / 4} values for ${shape[1]} classes`);
  return { classWeights: classWeights ?? logits, constants: { WG, WEIGHTED: classWeights ? 1 : 0 } };
}

export function crossEntropyForward(rt: GpuRuntime, logits: GpuBuffer, labels: GpuBuffer, classWeights: GpuBuffer | null, shape: Nchw, ignoreIndex: number): CrossEntropyForward {
  const pixels = pixelCount(shape);
  const perPixel = rt.pool.acquire(2 * pixels * 4, 'cross-entropy per-pixel losses');
  const w = weighting('crossEntropy', logits, classWeights, shape);
  rt.dispatch(crossentropy, 'pixelLoss', { reads: { logits, labels, classWeights: w.classWeights }, writes: { lossAndCount: perPixel }, params: params(shape, ignoreIndex), ...perElement(pixels, WG), constants: w.constants, specialise: true });
  const totals = sumRows(rt, perPixel, 2, pixels);
  rt.pool.release(perPixel);
  const loss = rt.pool.acquire(4, 'cross-entropy loss');
  rt.dispatch(crossentropy, 'average', { reads: { sums: totals }, writes: { loss }, workgroups: [1] });
  return { loss, totals };
}

/** d loss / d logits, given g = d out / d loss ([1]). */
export function crossEntropyBackward(
  rt: GpuRuntime,
  logits: GpuBuffer,
  labels: GpuBuffer,
  classWeights: GpuBuffer | null,
  totals: GpuBuffer,
  g: GpuBuffer,
  shape: Nchw,
  ignoreIndex: number,
): GpuBuffer {
  const pixels = pixelCount(shape);
  const dlogits = rt.pool.acquire(pixels * shape[1] * 4, 'cross-entropy logit gradient');
  const w = weighting('crossEntropy backward', logits, classWeights, shape);
  rt.dispatch(crossentropy, 'backward', { reads: { logits, labels, classWeights: w.classWeights, totals, g }, writes: { dlogits }, params: params(shape, ignoreIndex), ...perElement(pixels, WG), constants: w.constants, specialise: true });
  return dlogits;
}
