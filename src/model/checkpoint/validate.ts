// Checks a loaded state dict against what a model expects before any weight is
// copied, so a mismatched checkpoint is refused whole instead of loaded half-way.
import { formatShape } from '../../gpu/errors';
import { CheckpointError, quoted } from './errors';
import type { TensorSignature } from './tensor';

/** Throws one CheckpointError listing every missing, unexpected, misshapen or mistyped tensor. */
export function checkStateDict(expected: ReadonlyMap<string, TensorSignature>, loaded: ReadonlyMap<string, TensorSignature>, source: string): void {
  const problems: string[] = [];
  for (const [name, want] of expected) {
    const got = loaded.get(name);
    const tensor = `tensor ${quoted(name)}`;
    if (got === undefined) {
      problems.push(`missing ${tensor} (the model expects ${want.dtype} ${formatShape(want.shape)})`);
      continue;
    }
    if (!sameShape(got.shape, want.shape)) problems.push(`${tensor}: shape ${formatShape(got.shape)} in the file, but the model expects ${formatShape(want.shape)}`);
    if (got.dtype !== want.dtype) problems.push(`${tensor}: dtype ${got.dtype} in the file, but the model expects ${want.dtype}`);
  }
  for (const [name, got] of loaded) {
    if (!expected.has(name)) problems.push(`unexpected tensor ${quoted(name)} (${got.dtype} ${formatShape(got.shape)}), which the model does not have`);
  }
  if (problems.length > 0) throw new CheckpointError(source, problems);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}
