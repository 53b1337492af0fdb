export { connectDb, type Db } from './client';
export * from './generated/client';
