export * from './ip';
export * from './ranges';
export * from './policy';
export * from './lookup';
