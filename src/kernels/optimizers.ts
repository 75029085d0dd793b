import type { GpuBuffer, GpuRuntime } from '../gpu';
import { ShapeError } from '../gpu/errors';
import { f32, shader } from '../gpu/shader';
import source from '../../shaders/optimizers.wgsl';
import { grid1d } from './grid';

const optimizers = shader('optimizers', source);
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
  const params = [n, f32(h.lr), f32(h.momentum), f32(0), f32(0), f32(h.weightDecay), f32(1), f32(1), 0];
  rt.dispatch(optimizers, 'sgd', { reads: [grad, finite], writes: [param, momentum], params, workgroups: grid1d(n, WG) });
}

/** In place: param and the two moment buffers updated from grad (Adam, or AdamW when
 * decoupled), unless `finite` (a flag word) is 0. */
export function adamStep(rt: GpuRuntime, param: GpuBuffer, grad: GpuBuffer, m: GpuBuffer, v: GpuBuffer, n: number, h: AdamHyper, finite: GpuBuffer): void {
  check('adam', n, param, grad, m, v);
  const params = [
    n,
    f32(h.lr),
    f32(h.beta1),
    f32(h.beta2),
    f32(h.eps),
    f32(h.weightDecay),
    f32(1 - h.beta1 ** h.step),
    f32(Math.sqrt(1 - h.beta2 ** h.step)),
    h.decoupled ? 1 : 0,
  ];
  rt.dispatch(optimizers, 'adam', { reads: [grad, finite], writes: [param, m, v], params, workgroups: grid1d(n, WG) });
}
