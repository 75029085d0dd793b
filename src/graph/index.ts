export * from './tensor';
export * from './scope';
export * from './autograd';
export * from './ops';
export * from './labels';
