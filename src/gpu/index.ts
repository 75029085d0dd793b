export * from './errors';
export * from './pool';
export * from './runtime';
export * from './shader';
export { acquireRuntime, type AcquireOptions } from './acquire';
