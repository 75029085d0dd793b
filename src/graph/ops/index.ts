export * from './arithmetic';
export * from './relu';
