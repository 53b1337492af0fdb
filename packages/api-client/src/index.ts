export * from './types';
export * from './client';
export * from './credentials';
export * from './run-frames';
