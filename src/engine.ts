// What both entry points export: everything that runs unchanged in browsers and
// in Node. Nothing imported from here may touch the file system or Dawn.
export { Random } from './base/random';
export * from './base/labels';
export type { Batch } from './base/batch';
export * from './gpu';
export { ShapeError, formatShape } from './base/shape';
export * from './graph';
export * as nn from './graph/nn';
export {
  tuneConv2d,
  convGeometriesOf,
  convAlgorithm,
  setConvAlgorithm,
  exportConvChoices,
  importConvChoices,
  type ConvAlgorithm,
  type ConvChoiceTable,
  type ConvTuning,
  type TuneOptions,
} from './kernels/conv2dalgorithm';
export { Module, Parameter, ModelBuffer, Counter, Sequential, type Layer, type StateEntry } from './graph/module';
export { Optimizer, SGD, Adam, AdamW, polyLearningRate, type AdamOptions, type NamedParameter } from './graph/optim';
export * from './model/config';
export { NonFiniteLossError } from './model/errors';
export { Teacher, Student, type TeacherOptions } from './model/networks';
export { scoreBatch, scoreNames, withBaselines, type BatchScores, type CompleteBatchScores, type ScoreName, type BaselineScoreName } from './model/scores';
export { distillStep, teacherStep, type DistillLoss } from './model/steps';
export { loadReferenceTeacher, loadReferenceStudent, referenceTeacherState, type ReferenceTeacherFiles } from './model/reference';
export { readState, writeState, stateSignatures, withPrefix, checkStateDict, type TensorSignature } from './model/state';
export { CheckpointError } from './checkpoint/errors';
export { decodePth, pthAllowedGlobals, type DecodedPth } from './checkpoint/pth';
export { checksumKey, decodeSafetensors, encodeSafetensors, type CheckpointDtype, type CheckpointTensor, type DecodedCheckpoint, type EncodeOptions, type TensorToSave } from './checkpoint/safetensors';
export * from './eval';
export { IMAGENET_MEAN, IMAGENET_STD } from './data/resize';
export { keptAspectInput, keptAspectSize, modelInput, batchImage, rgbaToRgb, rgbToRgba, type RgbPixels } from './data/image-input';
export { renderScene, type RenderedScene } from './data/synthetic/scene';
export { CAMVID_CLASSES, STREETHAZARDS_CLASSES } from './data/class-tables';
