// The engine for browsers (navigator.gpu). Nothing Node-only may be imported
// here: scripts/build.js fails the build if the bundle pulls in any.
export * from './engine';
/** The same name in both bundles: code written against `createRuntime` runs in either. */
export { createBrowserRuntime, createBrowserRuntime as createRuntime } from './gpu/browser';
/** PNG, JPEG and WebP, told apart by content, as the Node bundle's decodeImage. */
export { decodeBrowserPhoto as decodeImage } from './data/browser-photo';
