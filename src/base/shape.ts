// Shape errors, which every layer raises or words: the kernels and ops refuse
// shapes before anything is dispatched, the checkpoint readers name a tensor's
// shape, with no GPU needed for either.

/** An op was called with shapes it cannot take. Thrown before anything is dispatched. */
export class ShapeError extends Error {
  override name = 'ShapeError';
  constructor(op: string, detail: string) {
    super(`${op}: ${detail}`);
  }
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
