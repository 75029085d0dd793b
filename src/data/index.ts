// The data layer: PNG io, the StreetHazards loader, batching and augmentation,
// the embedded procedural dataset and a progress display. Node only
// (file system); knows nothing of the GPU.
export { DataError } from './errors';
export { writeFileAtomic } from './atomic';
export { decodeImage, decodeLabelMap, encodePng, readImage, readLabelMap, readPngHeader, writePng, type LabelMap, type PngHeader, type RgbImage } from './png';
export { PUBLISHED_SPLIT_NAMES, SPLIT_NAMES, classesToAnnotation, indexStreetHazards, type IndexOptions } from './streethazards';
export {
  decodeLabels,
  loadSample,
  type BadSamplePolicy,
  type DatasetIndex,
  type LabelFormat,
  type LoadedSample,
  type Sample,
  type SkippedFile,
  type SplitName,
} from './dataset';
export { CAMVID_CLASSES, STREETHAZARDS_CLASSES } from './class-tables';
export { indexCamVid } from './camvid';
export { indexAnomalySet, type AnomalySet } from './anomaly-set';
export { DATASET_LAYOUTS_HELP, datasetPathProblem, openDataset } from './open-dataset';
export { IMAGENET_MEAN, IMAGENET_STD } from './resize';
export { applyColourChange, COLOUR_JITTER, drawColourChange, type ColourChange, type ColourJitter } from './colour-jitter';
export { OUTLIER_SHAPES, paintOutlier, type OutlierShapes } from './outlier-shapes';
export {
  BatchStream,
  DEFAULT_AUGMENTATION,
  batchesInOrder,
  photoBatchesInOrder,
  type Augmentation,
  type BatchOptions,
  type BatchStreamState,
  type InOrderBatches,
  type PhotoBatches,
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
