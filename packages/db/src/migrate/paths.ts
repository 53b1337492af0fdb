/** The repository's prisma/ folder, found from this file (not from the current directory). */
import { fileURLToPath } from 'node:url';

const PRISMA_DIR = new URL('../../../../prisma/', import.meta.url);

export const DEFAULT_SCHEMA_PATH = fileURLToPath(new URL('schema.prisma', PRISMA_DIR));
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('migrations', PRISMA_DIR));
