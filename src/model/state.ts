// A module's state dict to and from safetensors tensors (PyTorch names; batch
// norm's num_batches_tracked as int64, as PyTorch writes it). Loading checks
// every name, shape and dtype first and copies nothing unless all match, so a
// mismatched checkpoint is refused whole instead of loaded half-way.

import { CheckpointError, quoted } from '../checkpoint/errors';
import type { CheckpointTensor, TensorToSave } from '../checkpoint/safetensors';
import { formatShape } from '../base/shape';
import { Counter, type Module } from '../graph/module';
import { Tensor } from '../graph/tensor';

/** A tensor's name-independent signature: what a model expects under one name. */
export interface TensorSignature {
  dtype: string;
  shape: readonly number[];
}

export function stateSignatures(module: Module): Map<string, TensorSignature> {
  const out = new Map<string, TensorSignature>();
  for (const [name, entry] of module.stateDict()) {
    out.set(name, entry instanceof Counter ? { dtype: 'I64', shape: [] } : { dtype: 'F32', shape: [...entry.shape] });
  }
  return out;
}

/** Reads every tensor of the module back from the GPU (one submit). */
export async function readState(module: Module, extra: ReadonlyMap<string, Tensor> = new Map()): Promise<Map<string, TensorToSave>> {
  const entries = [...module.stateDict(), ...extra];
  const tensors = entries.map(([, e]) => e).filter((e): e is Tensor => e instanceof Tensor);
  const rt = tensors[0]?.rt;
  const data = rt ? await rt.readMany(tensors.map((t) => ({ buffer: t.buffer, bytes: t.size * 4 }))) : [];
  const out = new Map<string, TensorToSave>();
  let k = 0;
  for (const [name, e] of entries) {
    if (e instanceof Counter) out.set(name, { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(e.value)) });
    else out.set(name, { dtype: 'F32', shape: [...e.shape], data: new Float32Array(data[k++]!) });
  }
  return out;
}

/** Copies a checked state dict into the module; throws CheckpointError listing every mismatch, loading nothing. */
export function writeState(module: Module, tensors: ReadonlyMap<string, CheckpointTensor>, source: string): void {
  checkStateDict(stateSignatures(module), tensors, source);
  for (const [name, entry] of module.stateDict()) {
    const t = tensors.get(name)!;
    if (entry instanceof Counter) entry.value = Number(t.data[0]);
    else entry.write(t.data as Float32Array);
  }
}

/** The tensors whose names start with `prefix.`, with the prefix removed. */
export function withPrefix<T>(tensors: ReadonlyMap<string, T>, prefix: string): Map<string, T> {
  const out = new Map<string, T>();
  for (const [name, t] of tensors) if (name.startsWith(`${prefix}.`)) out.set(name.slice(prefix.length + 1), t);
  return out;
}

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
