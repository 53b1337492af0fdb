export * from './stack';
export * from './services';
export * from './admin';
export * from './dashboard';
export * from './isolate';
export * from './local-host';
export * from './lab/index';
export * from './netd-image';
