export * from './context';
export * from './access';
export * from './createUser';
export * from './tokens';
export * from './apps';
export * from './releases';
export * from './builds';
