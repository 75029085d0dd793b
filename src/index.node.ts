// The engine for Node (Dawn through the `webgpu` package), with file io.
export * from './engine';
/** The same name in both bundles: code written against `createRuntime` runs in either. */
export { createNodeRuntime, createNodeRuntime as createRuntime } from './gpu/node';
export { saveCheckpoint, loadCheckpointFile } from './checkpoint/io';
export { loadPthFile } from './checkpoint/pth-file';
export { readImage, writePng, decodeImage, encodePng } from './data/png';
