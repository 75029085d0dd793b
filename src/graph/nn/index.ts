export * from './conv2d';
export * from './batchnorm2d';
export * from './layers';
export * from './convbn';
