// Scopes own the temporaries made inside them: when a training step's scope
// ends, every intermediate and gradient goes back to the buffer pool, except the
// tensors the caller keeps. A scope holds anything it can release, so it needs
// nothing of Tensor (which registers itself here).

export interface Releasable {
  release(): void;
}

const stack: Scope[] = [];

export class Scope {
  private readonly tensors = new Set<Releasable>();

  track(t: Releasable): void {
    this.tensors.add(t);
  }

  /** Hands a tensor to the enclosing scope (or to nobody) instead of releasing it. */
  keep(t: Releasable): void {
    if (!this.tensors.delete(t)) return;
    const i = stack.indexOf(this);
    stack[i - 1]?.track(t);
  }

  end(keep: readonly Releasable[] = []): void {
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
