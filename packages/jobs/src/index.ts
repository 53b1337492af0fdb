export * from './definitions';
export * from './queues';
export * from './agent';
