// In-place parameter updates (shaders/optimizers.wgsl): SGD with momentum, Adam, AdamW.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError } from '../base/shape';
import { shader } from '../gpu/shader';
import source from '../../shaders/optimizers.wgsl';
import { perElement } from './grid';

const optimizers = shader('optimizers', source, {
  bindings: {
    sgd: { reads: ['grad', 'finiteFlag'], writes: ['param', 'm'] },
    adam: { reads: ['grad', 'finiteFlag'], writes: ['param', 'm', 'v'] },
  },
  types: { finiteFlag: 'array<u32>' },
});
const WG = 64;

export interface SgdHyper {
  lr: number;
  momentum: number;
  weightDecay: number;
}

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
  /** 1-based step count, for the bias corrections. */
  step: number;
}

function check(op: string, n: number, ...buffers: GpuBuffer[]): void {
  for (const b of buffers) if (b.bytes < n * 4) throw new ShapeError(op, `a state buffer holds ${b.bytes / 4} values, the parameter ${n}`);
}

/** In place: param and momentum buffer updated from grad, unless `finite` (a flag word) is 0. */
export function sgdStep(rt: GpuRuntime, param: GpuBuffer, grad: GpuBuffer, momentum: GpuBuffer, n: number, h: SgdHyper, finite: GpuBuffer): void {
  check('sgd', n, param, grad, momentum);
  rt.dispatch(optimizers, 'sgd', {
    reads: { grad, finiteFlag: finite },
    writes: { param, m: momentum },
    params: { n, lr: h.lr, weightDecay: h.weightDecay, momentum: h.momentum },
    ...perElement(n, WG),
  });
}

/** In place: param and the two moment buffers updated from grad (Adam, or AdamW when
 * decoupled), unless `finite` (a flag word) is 0. */
export function adamStep(rt: GpuRuntime, param: GpuBuffer, grad: GpuBuffer, m: GpuBuffer, v: GpuBuffer, n: number, h: AdamHyper, finite: GpuBuffer): void {
  check('adam', n, param, grad, m, v);
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = h;
  rt.dispatch(optimizers, 'adam', {
    reads: { grad, finiteFlag: finite },
    writes: { param, m, v },
    params: { n, lr, weightDecay, beta1, beta2, eps, correction1: 1 - beta1 ** step, correction2Sqrt: Math.sqrt(1 - beta2 ** step), decoupled },
    ...perElement(n, WG),
  });
}
