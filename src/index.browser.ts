// The engine for browsers (navigator.gpu). Nothing Node-only may be imported here.
export * from './gpu';
export { createBrowserRuntime } from './gpu/browser';
export * from './graph';
