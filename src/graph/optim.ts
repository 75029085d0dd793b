// Optimizers as GPU kernels (SGD with momentum and weight decay, Adam, AdamW)
// and the poly learning-rate schedule of the reference. Their state is named
// after the parameters so it can be checkpointed and resumed exactly.
//
// A step launches a handful of kernels, not one per parameter: a launch
// dispatch costs about as much as a small parameter's update on lavapipe, and
// a network has dozens of them. So the optimizer moves its parameters into
// arenas (one buffer each, at most one binding large), back to back at the
// adapter's binding alignment, beside a gradient arena and one arena per state
// slot of the same layout. A step copies the gradients into theirs, then checks
// and updates one run of neighbouring parameters that have gradients per launch
// (one run per arena when all have): the per-element kernels over views of the
// runs, so each element sees the same float operations as in a launch of its
// own. The padding between parameters is zero in every arena, and an update
// leaves zeros as they are.

import type { GpuBuffer, GpuRuntime } from '../gpu';
import { adamStep, sgdStep } from '../kernels/optimizers';
import { fill } from '../kernels/elementwise';
import { checkFinite, finiteFlag } from '../kernels/finite';
import type { Parameter } from './module';
import { Tensor } from './tensor';

export interface NamedParameter {
  name: string;
  param: Parameter;
}

/** What one update launch covers: views of the same elements of each arena. */
export interface UpdateRun {
  param: GpuBuffer;
  grad: GpuBuffer;
  /** In the order of the optimizer's slot kinds. */
  slots: readonly GpuBuffer[];
  n: number;
}

/** Where a parameter lies in its arena, in elements. */
export interface Placement {
  arena: number;
  start: number;
  length: number;
}

interface Segment extends Placement, NamedParameter {}

interface Arena {
  segments: Segment[];
  params: GpuBuffer;
  grads: GpuBuffer;
  slots: GpuBuffer[];
}

/** Tensors of these lengths in order, each starting at a multiple of `align` elements, in a new arena wherever the next would pass `maxElements`. */
export function layOut(lengths: readonly number[], align: number, maxElements: number): Placement[] {
  let arena = 0;
  let end = 0;
  return lengths.map((length, i) => {
    let start = Math.ceil(end / align) * align;
    if (i > 0 && start + length > maxElements) {
      arena++;
      start = 0;
    }
    end = start + length;
    return { arena, start, length };
  });
}

/** Neighbouring segments that all have a gradient, as [first, last] index pairs. */
function runsWithGradients(segments: readonly Segment[]): [number, number][] {
  const runs: [number, number][] = [];
  segments.forEach((s, i) => {
    if (!s.param.grad) return;
    const last = runs.at(-1);
    if (last && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  });
  return runs;
}

export abstract class Optimizer {
  /** Steps taken so far. */
  stepCount = 0;
  lr: number;
  private readonly slots = new Map<string, Tensor>();
  private readonly arenas: Arena[];
  protected readonly rt: GpuRuntime;

  /** `slotKinds`: the state tensors each parameter has (`momentum_buffer`; `exp_avg`, `exp_avg_sq`), PyTorch's names. */
  constructor(
    readonly params: readonly NamedParameter[],
    lr: number,
    slotKinds: readonly string[],
  ) {
    this.lr = lr;
    const rt = (this.rt = params[0]!.param.rt);
    const zeros = (elements: number, what: string) => fill(rt, elements, 0, rt.pool.acquire(elements * 4, what));
    const placements = layOut(params.map(({ param }) => param.buffer.bytes / 4), rt.limits.minStorageBufferOffsetAlignment / 4, Math.floor(rt.limits.maxStorageBufferBindingSize / 4));
    const layouts: Segment[][] = [];
    placements.forEach((p, i) => (layouts[p.arena] ??= []).push({ ...p, ...params[i]! }));
    this.arenas = layouts.map((segments) => {
      const last = segments.at(-1)!;
      const elements = last.start + last.length;
      const arena = {
        segments,
        params: zeros(elements, 'the parameters of an optimizer'),
        grads: zeros(elements, 'the gradients of an optimizer'),
        slots: slotKinds.map((kind) => zeros(elements, `the optimizer state ${kind}`)),
      };
      for (const s of segments) {
        const view = (arenaBuffer: GpuBuffer) => rt.pool.view(arenaBuffer, s.start * 4, s.length * 4);
        s.param.moveTo(view(arena.params));
        arena.slots.forEach((slot, k) => this.slots.set(`${s.name}.${slotKinds[k]}`, new Tensor(rt, s.param.shape, view(slot), false, 'persistent')));
      }
      return arena;
    });
  }

  /**
   * Records one update from each parameter's .grad and clears the grads. The
   * update is applied on the GPU only if `loss` and every gradient are finite;
   * the returned tensor holds that flag as one word (1 applied, 0 skipped: read
   * it with `stepApplied`). Nothing waits on the GPU here.
   */
  step(loss?: Tensor): Tensor {
    const rt = this.rt;
    const flag = new Tensor(rt, [1], finiteFlag(rt));
    if (loss) checkFinite(rt, loss.buffer, loss.size, flag.buffer);
    const runs: UpdateRun[] = [];
    for (const arena of this.arenas) {
      for (const s of arena.segments) if (s.param.grad) rt.copy(s.param.grad.buffer, arena.grads, s.length * 4, 0, s.start * 4);
      for (const [first, last] of runsWithGradients(arena.segments)) {
        const start = arena.segments[first]!.start * 4;
        const bytes = arena.segments[last]!.start * 4 + arena.segments[last]!.length * 4 - start;
        const view = (b: GpuBuffer) => rt.pool.view(b, start, bytes);
        const run = { param: view(arena.params), grad: view(arena.grads), slots: arena.slots.map(view), n: bytes / 4 };
        checkFinite(rt, run.grad, run.n, flag.buffer);
        runs.push(run);
      }
      for (const s of arena.segments) s.param.grad = null;
    }
    this.stepCount++;
    for (const run of runs) this.update(run, flag.buffer);
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

  /** Every state tensor by name (`<param>.<slot>`), for checkpoints: zeros until a parameter's first update, as that update expects. */
  state(): Map<string, Tensor> {
    return this.slots;
  }

  /**
   * Returns the arenas to the pool. The state tensors and the parameters still
   * in them are released with them, so a later use throws instead of reading
   * memory the pool has handed on; a parameter a newer optimizer has moved into
   * its own arenas stays as it is.
   */
  release(): void {
    for (const t of this.slots.values()) t.release();
    for (const a of this.arenas) {
      for (const s of a.segments) if (!s.param.isReleased && s.param.buffer.buffer === a.params.buffer) s.param.release();
      for (const b of [a.params, a.grads, ...a.slots]) this.rt.pool.release(b);
    }
  }

  protected abstract update(run: UpdateRun, finite: GpuBuffer): void;
}

export class SGD extends Optimizer {
  constructor(
    params: readonly NamedParameter[],
    lr: number,
    readonly momentum = 0.9,
    readonly weightDecay = 0,
  ) {
    super(params, lr, ['momentum_buffer']);
  }

  protected update(run: UpdateRun, finite: GpuBuffer): void {
    sgdStep(this.rt, run.param, run.grad, run.slots[0]!, run.n, { lr: this.lr, momentum: this.momentum, weightDecay: this.weightDecay }, finite);
  }
}

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected decoupled = false;

  constructor(params: readonly NamedParameter[], lr: number, options: AdamOptions = {}) {
    super(params, lr, ['exp_avg', 'exp_avg_sq']);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
  }

  protected update(run: UpdateRun, finite: GpuBuffer): void {
    adamStep(this.rt, run.param, run.grad, run.slots[0]!, run.slots[1]!, run.n, {
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
