// The tensors a checkpoint holds: the safetensors dtypes this engine reads and writes.

export type CheckpointDtype = 'F32' | 'I64' | 'I32';

export type CheckpointTensor =
  | { dtype: 'F32'; shape: number[]; data: Float32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array };

/** What a caller hands to the encoder; checked at run time, since dtype and data may disagree. */
export interface TensorToSave {
  dtype: CheckpointDtype;
  shape: readonly number[];
  data: Float32Array | BigInt64Array | Int32Array;
}

/** A tensor's name-independent signature: what a model expects under one name. */
export interface TensorSignature {
  dtype: string;
  shape: readonly number[];
}

export const bytesPerElement: Record<CheckpointDtype, number> = { F32: 4, I64: 8, I32: 4 };

/**
 * Position of each dtype in the safetensors crate's `Dtype` enum. Its writer orders
 * tensors by this, descending (the widest alignment first), then by name, so our
 * files lay tensors out in the same order as PyTorch's `save_file`.
 */
export const safetensorsDtypeRank: Record<CheckpointDtype, number> = { I32: 0, F32: 1, I64: 2 };

/** Every dtype the safetensors format defines, so an unsupported one is told apart from garbage. */
export const knownSafetensorsDtypes: ReadonlySet<string> = new Set([
  'BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ',
  'F8_E5M2FNUZ', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'C64', 'F64', 'I64', 'U64',
]);

export function isCheckpointDtype(dtype: string): dtype is CheckpointDtype {
  return dtype === 'F32' || dtype === 'I64' || dtype === 'I32';
}
