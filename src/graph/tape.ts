// Tape autograd: ops append a node as they run; backward walks the tape in
// reverse (that is a topological order, since ops are recorded as they run) and
// sums gradients where a tensor fans out, as in residual blocks.

import type { Tensor } from './tensor';

export interface Node {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  /** Gradients of the inputs given the output's gradient; null where an input needs none. */
  readonly backward: (gradOutput: Tensor) => readonly (Tensor | null)[];
}

let tape: Node[] = [];
let gradEnabled = true;

/** Marks `output` as made by `op` from `inputs`, if any input needs a gradient. */
export function record(op: string, inputs: readonly Tensor[], output: Tensor, backward: Node['backward']): Tensor {
  if (!gradEnabled || !inputs.some((t) => t.requiresGrad)) return output;
  output.requiresGrad = true;
  const node: Node = { op, inputs, output, backward };
  output.node = node;
  tape.push(node);
  return output;
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording (inference, optimizer updates, frozen teachers). */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/**
 * Backpropagates from `root` (seeded with `seed`, or with ones for a scalar)
 * and leaves gradients in `.grad` of every tensor that requires one. Leaves
 * (parameters) accumulate across calls until their grad is cleared. The tape
 * is cleared afterwards.
 */
export function backward(root: Tensor, seed: Tensor | undefined, add: (a: Tensor, b: Tensor) => Tensor, ones: (like: Tensor) => Tensor): void {
  const nodes = tape;
  tape = [];
  const before = gradEnabled;
  gradEnabled = false;
  try {
    root.grad = seed ?? ones(root);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i]!;
      const g = node.output.grad;
      if (!g) continue;
      const grads = node.backward(g);
      node.inputs.forEach((input, k) => {
        const gi = grads[k];
        if (!gi || !input.requiresGrad) return;
        input.grad = input.grad ? add(input.grad, gi) : gi;
      });
      if (node.output !== root && node.output.node) node.output.grad = null;
    }
  } finally {
    gradEnabled = before;
  }
}

/** Drops what was recorded without running backward (e.g. after an eval pass with grad on). */
export function clearTape(): void {
  tape = [];
}
