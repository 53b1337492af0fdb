import { defineConfig } from 'prisma/config';

// Used by the standard Prisma CLI (`prisma generate`, and `prisma migrate deploy` where the native
// engine is available). Gantry applies migrations itself: see packages/db/README.md.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgres://gantry:gantry@127.0.0.1:5432/gantry' },
});
