// 2D batch norm (NCHW, statistics per channel over N, H, W), as PyTorch's
// BatchNorm2d: training normalises with the batch statistics and moves the
// running ones; eval normalises with the running statistics. What follows a
// batch norm in a residual network can be fused in: a residual added to its
// output, then ReLU (relu(bn(x) + residual)), one kernel instead of three.

import type { GpuBuffer } from '../../gpu';
import * as kernels from '../../kernels/batchnorm2d';
import { record } from '../tape';
import { Tensor } from '../tensor';

export interface BatchNorm2dParams {
  /** Per-channel scale [C]; null: no affine scale. */
  weight: Tensor | null;
  /** Per-channel shift [C]; null: no affine shift. */
  bias: Tensor | null;
  /** [C], updated in place by every training forward (never by backward). */
  runningMean: Tensor;
  /** [C], updated in place with the unbiased batch variance. */
  runningVar: Tensor;
  training: boolean;
  /** running = (1 - momentum) * running + momentum * batch. Default 0.1. */
  momentum?: number;
  /** Default 1e-5. */
  eps?: number;
  /** Added to the normalised output (before `relu`); the shape of x. */
  residual?: Tensor | null;
  /** ReLU on the output. Default false. */
  relu?: boolean;
}

export function batchNorm2d(x: Tensor, params: BatchNorm2dParams): Tensor {
  const { weight, bias, runningMean, runningVar, training, momentum = 0.1, eps = 1e-5, residual = null } = params;
  kernels.checkBatchNorm2dShapes({
    x: x.shape,
    weight: weight?.shape ?? null,
    bias: bias?.shape ?? null,
    runningMean: runningMean.shape,
    runningVar: runningVar.shape,
    training,
    residual: residual?.shape ?? null,
  });
  const rt = x.rt;
  const statsBuffer = training
    ? kernels.batchStatistics(rt, x.buffer, x.shape, runningMean.buffer, runningVar.buffer, momentum, eps)
    : kernels.runningStatistics(rt, runningMean.buffer, runningVar.buffer, x.shape[1]!, eps);
  return batchNorm2dWithStatistics(x, statsBuffer, params);
}

/**
 * batchNorm2d once its statistics are taken (`statsBuffer`: mean[C] then
 * invstd[C], of the batch in training): the normalisation and its backward.
 * For a fused op that takes them elsewhere (conv2dBatchNorm); shapes are the caller's to check.
 */
export function batchNorm2dWithStatistics(x: Tensor, statsBuffer: GpuBuffer, params: BatchNorm2dParams): Tensor {
  const { weight, bias, training, residual = null, relu = false } = params;
  const rt = x.rt;
  const channels = x.shape[1]!;
  // Taken at forward time: the backward sees these even if the running statistics move.
  const stats = new Tensor(rt, [2, channels], statsBuffer);
  const y = new Tensor(
    rt,
    x.shape,
    kernels.batchNormApply(rt, x.buffer, x.shape, stats.buffer, weight?.buffer ?? null, bias?.buffer ?? null, { relu, residual: residual?.buffer ?? null }),
  );

  const affine = [weight, bias].filter((t): t is Tensor => t !== null);
  const inputs = residual ? [x, ...affine, residual] : [x, ...affine];
  return record('batchNorm2d', inputs, y, (dy) => {
    const affineGrad = affine.some((t) => t.requiresGrad);
    const needInput = x.requiresGrad || !!residual?.requiresGrad;
    const fused = { relu, residual: !!residual?.requiresGrad };
    const both = training && needInput ? kernels.batchNormTrainingGrad(rt, x.buffer, dy.buffer, y.buffer, x.shape, stats.buffer, weight?.buffer ?? null, fused) : null;
    const raw = both ?? (training || affineGrad ? kernels.batchNormGradSums(rt, x.buffer, dy.buffer, y.buffer, x.shape, stats.buffer, relu) : null);
    const sumDy = raw && new Tensor(rt, [channels], raw.sumDy);
    const sumDyXhat = raw && new Tensor(rt, [channels], raw.sumDyXhat);
    // Without both, a needed input gradient is eval's: fixed statistics, no sums.
    const g = both ?? (needInput ? kernels.batchNormGradInput(rt, x.buffer, dy.buffer, y.buffer, x.shape, stats.buffer, weight?.buffer ?? null, null, fused) : null);
    const dx = g && new Tensor(rt, x.shape, g.dx);
    const grads: (Tensor | null)[] = [x.requiresGrad ? dx : null];
    if (weight) grads.push(sumDyXhat);
    if (bias) grads.push(sumDy);
    if (residual) grads.push(g?.dresidual ? new Tensor(rt, x.shape, g.dresidual) : null);
    return grads;
  });
}
