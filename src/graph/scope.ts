// Scopes own the temporaries made inside them: when a training step's scope
// ends, every intermediate and gradient goes back to the buffer pool, except the
// tensors the caller keeps.

import { Tensor } from './tensor';

const stack: Scope[] = [];

export class Scope {
  private readonly tensors = new Set<Tensor>();

  track(t: Tensor): void {
    this.tensors.add(t);
  }

  /** Hands a tensor to the enclosing scope (or to nobody) instead of releasing it. */
  keep(t: Tensor): void {
    if (!this.tensors.delete(t)) return;
    const i = stack.indexOf(this);
    stack[i - 1]?.track(t);
  }

  end(keep: readonly Tensor[] = []): void {
    for (const t of keep) this.keep(t);
    for (const t of this.tensors) t.release();
    this.tensors.clear();
    const i = stack.lastIndexOf(this);
    if (i >= 0) stack.splice(i, 1);
  }
}

export function beginScope(): Scope {
  const s = new Scope();
  stack.push(s);
  return s;
}

export function currentScope(): Scope | undefined {
  return stack[stack.length - 1];
}

/** Runs fn in a scope; temporaries it made are released, except what it returns. */
export async function withScope<T>(fn: () => T | Promise<T>): Promise<T> {
  const s = beginScope();
  try {
    const result = await fn();
    s.end(collect(result));
    return result;
  } catch (error) {
    s.end();
    throw error;
  }
}

/** The synchronous form, for recording a forward pass. */
export function withScopeSync<T>(fn: () => T): T {
  const s = beginScope();
  try {
    const result = fn();
    s.end(collect(result));
    return result;
  } catch (error) {
    s.end();
    throw error;
  }
}

/** Tensors in a result: itself, or inside arrays and plain objects. */
function collect(value: unknown): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(collect);
  if (value && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).flatMap(collect);
  return [];
}
