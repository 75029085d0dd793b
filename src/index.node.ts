// The engine for Node (Dawn through the `webgpu` package), with file io.
export * from './engine';
/** The same name in both bundles: code written against `createRuntime` runs in either. */
export { createNodeRuntime, createNodeRuntime as createRuntime } from './gpu/node';
export { saveCheckpoint, loadCheckpointFile } from './checkpoint/io';
export { loadPthFile } from './checkpoint/pth-file';
export { loadConvChoices, saveConvChoices } from './cli/conv-choices';
export { writePng, encodePng } from './data/png';
/** PNG, JPEG and WebP, told apart by content; the browser bundle's decodeImage reads the same. */
export { readPhoto as readImage, decodePhoto as decodeImage } from './data/photo';
