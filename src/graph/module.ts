// Module and Parameter, PyTorch style: a module's parameters, buffers and
// submodules are its own properties, and their names in the state dict are the
// property paths (`encoder.layer1.0.conv1.weight`), so weights move to and from
// PyTorch unchanged.

import type { GpuRuntime } from '../gpu';
import { Tensor, type Shape } from './tensor';

export class Parameter extends Tensor {
  constructor(rt: GpuRuntime, data: Float32Array, shape: Shape) {
    super(rt, shape, rt.upload(data, `parameter of shape [${shape.join(', ')}]`), true, 'persistent');
  }
}

/** A non-trainable tensor saved with the model (batch norm running statistics). */
export class ModelBuffer extends Tensor {
  constructor(rt: GpuRuntime, data: Float32Array, shape: Shape) {
    super(rt, shape, rt.upload(data, `buffer of shape [${shape.join(', ')}]`), false, 'persistent');
  }
}

/** An integer counter saved as an int64 scalar (PyTorch's num_batches_tracked). */
export class Counter {
  constructor(public value = 0) {}
}

export type StateEntry = Tensor | Counter;

export abstract class Module {
  training = true;

  /** Children, parameters, buffers and counters in declaration order, with PyTorch names. */
  *namedMembers(prefix = ''): Generator<[string, Module | StateEntry]> {
    for (const [key, value] of Object.entries(this)) {
      const items: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [`${key}.${i}`, v]) : [[key, value]];
      for (const [name, item] of items) {
        const full = prefix + name;
        if (item instanceof Module) {
          yield [full, item];
          yield* item.namedMembers(`${full}.`);
        } else if (item instanceof Parameter || item instanceof ModelBuffer || item instanceof Counter) {
          yield [full, item];
        }
      }
    }
  }

  namedParameters(): [string, Parameter][] {
    return [...this.namedMembers()].filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Parameters, buffers and counters by name, as in PyTorch's state_dict(). */
  stateDict(): Map<string, StateEntry> {
    const out = new Map<string, StateEntry>();
    for (const [name, v] of this.namedMembers()) if (!(v instanceof Module)) out.set(name, v);
    return out;
  }

  train(on = true): this {
    for (const [, m] of this.namedMembers()) if (m instanceof Module) m.training = on;
    this.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Stops gradients to every parameter (a frozen teacher). */
  freeze(): this {
    for (const p of this.parameters()) p.requiresGrad = false;
    return this;
  }

  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }
}

/** A module with one input and one output. */
export type Layer = Module & { forward(x: Tensor): Tensor };

/** Modules applied in order; its children are named 0, 1, 2, ... */
export class Sequential extends Module {
  readonly layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    this.layers = layers;
  }

  override *namedMembers(prefix = ''): Generator<[string, Module | StateEntry]> {
    for (const [i, layer] of this.layers.entries()) {
      yield [`${prefix}${i}`, layer];
      yield* layer.namedMembers(`${prefix}${i}.`);
    }
  }

  forward(x: Tensor): Tensor {
    for (const layer of this.layers) x = layer.forward(x);
    return x;
  }
}
