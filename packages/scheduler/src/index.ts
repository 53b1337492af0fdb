export * from './types';
export * from './placer';
export * from './explain';
export * from './filters';
export * from './rankers';
export * from './plan';
export * from './instance-spec';
export * from './routes';
