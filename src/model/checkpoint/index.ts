// Checkpoints, browser-safe part. The Node file functions are in ./io, imported directly.
export { CheckpointError } from './errors';
export { decodeSafetensors, encodeSafetensors, type DecodedCheckpoint } from './safetensors';
export type { CheckpointDtype, CheckpointTensor, TensorSignature, TensorToSave } from './tensor';
export { checkStateDict } from './validate';
