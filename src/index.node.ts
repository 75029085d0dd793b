// The engine for Node (Dawn through the `webgpu` package).
export * from './gpu';
export { createNodeRuntime } from './gpu/node';
export * from './graph';
