/**
 * DATABASE_URL -> separate connection fields.
 *
 * node-postgres lets a `connectionString` override an explicit `database`, so a pool built from
 * `{ connectionString, database: 'shadow' }` silently connects to the real database. Everything in
 * this runner therefore connects with separate fields only; never hand a URL to pg.
 */
import { MigrationError } from './migration-error';

export interface PgConnectionConfig {
  host: string;
  port: number;
  user: string | undefined;
  password: string | undefined;
  database: string;
  ssl: false | { rejectUnauthorized: boolean };
  /** Postgres schema (search path) the migrations live in; `?schema=` in the URL, like Prisma. */
  schema: string | undefined;
}

const PROTOCOLS = new Set(['postgres:', 'postgresql:']);

export function parseDatabaseUrl(databaseUrl: string): PgConnectionConfig {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new MigrationError('DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database).');
  }
  if (!PROTOCOLS.has(url.protocol)) {
    throw new MigrationError(`DATABASE_URL must start with postgres:// or postgresql://, not ${url.protocol}//.`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new MigrationError('DATABASE_URL must name a database (postgres://user:password@host:port/DATABASE).');

  const params = url.searchParams;
  return {
    // `?host=/var/run/postgresql` selects a Unix socket directory, as in libpq.
    host: params.get('host') ?? (url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost'),
    port: url.port ? Number(url.port) : 5432,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database,
    ssl: sslFromMode(params.get('sslmode')),
    schema: params.get('schema') ?? undefined,
  };
}

function sslFromMode(mode: string | null): PgConnectionConfig['ssl'] {
  switch (mode) {
    case null:
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
    case 'no-verify':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      throw new MigrationError(`DATABASE_URL has an unknown sslmode "${mode}".`);
  }
}

/** The same server and credentials, another database. */
export function withDatabase(config: PgConnectionConfig, database: string): PgConnectionConfig {
  return { ...config, database };
}

/** For messages: never includes the password. */
export function describeDatabase(config: PgConnectionConfig): string {
  const user = config.user ? `${config.user}@` : '';
  return `postgres://${user}${config.host}:${config.port}/${config.database}`;
}

/** Fields for `new pg.Client()` / `new pg.Pool()`: no connectionString, on purpose. */
export function pgFields(config: PgConnectionConfig) {
  const { host, port, user, password, database, ssl } = config;
  return { host, port, user, password, database, ssl };
}
