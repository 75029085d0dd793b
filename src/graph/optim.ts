// Optimizers as GPU kernels (SGD with momentum and weight decay, Adam, AdamW)
// and the poly learning-rate schedule of the reference. Their state is named
// after the parameters so it can be checkpointed and resumed exactly.

import type { GpuBuffer } from '../gpu';
import { adamStep, sgdStep } from '../kernels/optimizers';
import { fill } from '../kernels/elementwise';
import { checkFinite, finiteFlag } from '../kernels/finite';
import type { Parameter } from './module';
import { Tensor } from './tensor';

export interface NamedParameter {
  name: string;
  param: Parameter;
}

export abstract class Optimizer {
  /** Steps taken so far. */
  stepCount = 0;
  lr: number;
  protected readonly slots = new Map<string, Tensor>();

  constructor(
    readonly params: readonly NamedParameter[],
    lr: number,
  ) {
    this.lr = lr;
  }

  /**
   * Records one update from each parameter's .grad and clears the grads. The
   * update is applied on the GPU only if `loss` and every gradient are finite;
   * the returned tensor holds that flag as one word (1 applied, 0 skipped: read
   * it with `stepApplied`). Nothing waits on the GPU here.
   */
  step(loss?: Tensor): Tensor {
    const rt = this.params[0]!.param.rt;
    const flag = new Tensor(rt, [1], finiteFlag(rt));
    if (loss) checkFinite(rt, loss.buffer, loss.size, flag.buffer);
    for (const { param } of this.params) if (param.grad) checkFinite(rt, param.grad.buffer, param.size, flag.buffer);
    this.stepCount++;
    for (const { name, param } of this.params) {
      if (param.grad) this.update(name, param, param.grad, flag.buffer);
      param.grad = null;
    }
    return flag;
  }

  /** After reading a step's flag: a skipped step does not count (Adam's bias correction). */
  stepApplied(flagWord: number): boolean {
    if (flagWord === 1) return true;
    this.stepCount--;
    return false;
  }

  zeroGrad(): void {
    for (const { param } of this.params) param.grad = null;
  }

  /** Optimizer state tensors by name (`<param>.<slot>`), for checkpoints. */
  state(): Map<string, Tensor> {
    return this.slots;
  }

  /** Every state tensor, those not yet used created as zeros (as the first update would): the full set a checkpoint holds. */
  fullState(): Map<string, Tensor> {
    for (const { name, param } of this.params) for (const kind of this.slotKinds) this.slot(param, name, kind);
    return this.slots;
  }

  /** The state tensors each parameter has (`momentum_buffer`; `exp_avg`, `exp_avg_sq`), PyTorch's names. */
  protected abstract readonly slotKinds: readonly string[];

  protected abstract update(name: string, param: Parameter, grad: Tensor, finite: GpuBuffer): void;

  protected slot(param: Parameter, name: string, kind: string): Tensor {
    const key = `${name}.${kind}`;
    let t = this.slots.get(key);
    if (!t) {
      t = new Tensor(param.rt, param.shape, fill(param.rt, param.size, 0, param.rt.pool.acquire(param.size * 4)), false, 'persistent');
      this.slots.set(key, t);
    }
    return t;
  }
}

export class SGD extends Optimizer {
  protected readonly slotKinds = ['momentum_buffer'];

  constructor(
    params: readonly NamedParameter[],
    lr: number,
    readonly momentum = 0.9,
    readonly weightDecay = 0,
  ) {
    super(params, lr);
  }

  protected update(name: string, param: Parameter, grad: Tensor, finite: GpuBuffer): void {
    const buf = this.slot(param, name, 'momentum_buffer');
    sgdStep(param.rt, param.buffer, grad.buffer, buf.buffer, param.size, { lr: this.lr, momentum: this.momentum, weightDecay: this.weightDecay }, finite);
  }
}

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class Adam extends Optimizer {
  protected readonly slotKinds = ['exp_avg', 'exp_avg_sq'];
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected decoupled = false;

  constructor(params: readonly NamedParameter[], lr: number, options: AdamOptions = {}) {
    super(params, lr);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
  }

  protected update(name: string, param: Parameter, grad: Tensor, finite: GpuBuffer): void {
    const m = this.slot(param, name, 'exp_avg');
    const v = this.slot(param, name, 'exp_avg_sq');
    adamStep(param.rt, param.buffer, grad.buffer, m.buffer, v.buffer, param.size, {
      lr: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      decoupled: this.decoupled,
      step: this.stepCount,
    }, finite);
  }
}

/** Adam with decoupled weight decay (PyTorch's default weight decay 0.01). */
export class AdamW extends Adam {
  constructor(params: readonly NamedParameter[], lr: number, options: AdamOptions = {}) {
    super(params, lr, { weightDecay: 0.01, ...options });
    this.decoupled = true;
  }
}

/** lr = base * (1 - iteration / maxIterations) ^ power, as the reference trains. */
export function polyLearningRate(base: number, iteration: number, maxIterations: number, power = 0.9): number {
  return base * Math.max(0, 1 - iteration / maxIterations) ** power;
}
