export * from './arithmetic';
export * from './relu';
export * from './reduce';
export * from './crossentropy';
export * from './kldistill';
export * from './mse';
export * from './featuredistance';
export * from './softmaxscores';
