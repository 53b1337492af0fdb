export * from './connect';
export * from './lines';
export * from './exec';
export * from './build';
export * from './probe';
export * from './app-container';
