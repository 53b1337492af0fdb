export { connectDb, isDatabaseOutage, type Db, type DbOptions } from './client';
export * from './generated/client';
