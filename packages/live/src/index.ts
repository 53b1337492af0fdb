export * from './keys';
export * from './redis';
export * from './routes';
export * from './instances';
export * from './logs';
export * from './build-output';
export * from './lock';
export * from './heartbeat';
