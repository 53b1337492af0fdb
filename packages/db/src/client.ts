import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export type Db = PrismaClient;

export interface DbOptions {
  /** Pool size. */
  max?: number;
  /** How long to wait for a connection (a new one, or a free one of the pool) before failing. */
  connectMs?: number;
  /** Postgres cancels a statement that runs longer (statement_timeout). */
  statementMs?: number;
  /** Called when an idle connection of the pool fails (the server went away); it is replaced on next use. */
  onIdleError?: (err: Error) => void;
}

/**
 * Opens Gantry's database through the pg driver adapter (no native query engine), with deadlines:
 * without them a query made while Postgres is unreachable (or a network path black-holes) waits
 * forever, and so does the request or loop that made it. A query fails after at most connectMs
 * plus statementMs (plus 2 s for an answer that never arrives); isDatabaseOutage tells such
 * failures apart from refused queries.
 */
export function connectDb(databaseUrl: string, opts: DbOptions = {}): Db {
  const statementMs = opts.statementMs ?? 15_000;
  const adapter = new PrismaPg(
    {
      connectionString: databaseUrl,
      max: opts.max ?? 10,
      connectionTimeoutMillis: opts.connectMs ?? 3000,
      statement_timeout: statementMs,
      // Client side: the server never answered (it is gone, or the path black-holes).
      query_timeout: statementMs + 2000,
      keepAlive: true,
    },
    // The adapter listens to the pool's 'error' (so a lost idle connection does not crash the
    // process through an unhandled 'error' event) and passes it here.
    { onPoolError: (err) => opts.onIdleError?.(err), onConnectionError: (err) => opts.onIdleError?.(err) },
  );
  return new PrismaClient({ adapter });
}

/** Prisma's codes for "cannot reach / lost / timed out talking to the database server". */
const PRISMA_OUTAGE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The pg adapter's error kinds for the same (DriverAdapterError.cause.kind). */
const ADAPTER_OUTAGE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** Postgres: query_canceled (statement_timeout), admin_shutdown, crash_shutdown, cannot_connect_now. */
const PG_OUTAGE_CODES = new Set(['57014', '57P01', '57P02', '57P03']);
/** node-postgres and pg-pool errors that have no code, only these messages. */
const PG_OUTAGE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
];

/**
 * True when `err` (from Prisma, the pg adapter or node-postgres) says the database could not be
 * reached, went away, or did not answer in time, as opposed to a query it refused.
 */
export function isDatabaseOutage(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
  if (typeof e.code === 'string' && (PRISMA_OUTAGE_CODES.has(e.code) || PG_OUTAGE_CODES.has(e.code))) return true;
  if (e.name === 'PrismaClientInitializationError') return true;
  if (e.name === 'DriverAdapterError') {
    const cause = e.cause as { kind?: unknown; code?: unknown } | undefined;
    if (typeof cause?.kind === 'string' && ADAPTER_OUTAGE_KINDS.has(cause.kind)) return true;
    if (cause?.kind === 'postgres' && typeof cause.code === 'string' && PG_OUTAGE_CODES.has(cause.code)) return true;
  }
  if (typeof e.message === 'string' && PG_OUTAGE_MESSAGES.some((m) => (e.message as string).startsWith(m))) return true;
  return isDatabaseOutage(e.meta?.driverAdapterError, depth + 1) || isDatabaseOutage(e.cause, depth + 1);
}
