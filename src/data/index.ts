// The data layer: PNG io, the StreetHazards loader, batching and augmentation,
// the embedded procedural dataset and a progress display. Node only
// (file system); knows nothing of the GPU.
export { DataError } from './errors';
export { writeFileAtomic } from './atomic';
export { decodeImage, decodeLabelMap, encodePng, readImage, readLabelMap, readPngHeader, writePng, type LabelMap, type PngHeader, type RgbImage } from './png';
export {
  PUBLISHED_SPLIT_NAMES,
  SPLIT_NAMES,
  annotationToClasses,
  classesToAnnotation,
  indexStreetHazards,
  loadSample,
  type BadSamplePolicy,
  type DatasetIndex,
  type IndexOptions,
  type LoadedSample,
  type Sample,
  type SkippedFile,
  type SplitName,
} from './streethazards';
export { IMAGENET_MEAN, IMAGENET_STD } from './resize';
export {
  BatchStream,
  DEFAULT_AUGMENTATION,
  batchesInOrder,
  type Augmentation,
  type BatchOptions,
  type BatchStreamState,
  type InOrderBatches,
  type SampleBatch,
  type TrainBatchOptions,
} from './batches';
export { DEFAULT_SYNTHETIC_CACHE, GENERATOR_VERSION } from './synthetic/generate';
export {
  ensureSyntheticDataset,
  ensureSyntheticStreetHazards,
  syntheticDatasetPath,
  syntheticParams,
  type SyntheticDataset,
  type SyntheticOptions,
  type SyntheticParams,
} from './synthetic';
export { createProgress, formatSeconds, type Progress, type ProgressOptions } from './progress';
