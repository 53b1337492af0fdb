export * from './errors';
export * from './names';
export * from './procfile';
export * from './config-vars';
export * from './secrets';
export * from './sizes';
export * from './app-json';
export * from './formation';
