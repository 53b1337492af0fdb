import { describe, expect, it } from 'vitest';
import { isDatabaseOutage } from './client';

// Shapes as seen from Prisma 7.10 + @prisma/adapter-pg 7.10 + pg 8.23 (.scratch experiment,
// 2026-12-04): a refused connection, a connect timeout, a lost connection, a statement timeout.
function adapterError(cause: Record<string, unknown>): Error {
  return Object.assign(new Error(String(cause.kind)), { name: 'DriverAdapterError', cause });
}
function prismaKnown(code: string, driverAdapterError?: Error): Error {
  return Object.assign(new Error('\nInvalid `db.app.findMany()` invocation'), { name: 'PrismaClientKnownRequestError', code, meta: { driverAdapterError }, clientVersion: '7.10.0' });
}

describe('isDatabaseOutage', () => {
  it.each([
    ['refused (model query)', prismaKnown('P1001', adapterError({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 }))],
    ['refused (raw query)', prismaKnown('P2010', adapterError({ kind: 'DatabaseNotReachable' }))],
    ['lost connection', prismaKnown('P2010', adapterError({ kind: 'ConnectionClosed' }))],
    ['statement timeout', prismaKnown('P2010', adapterError({ kind: 'postgres', code: '57014' }))],
    ['server shutting down', prismaKnown('P2010', adapterError({ kind: 'postgres', code: '57P01' }))],
    ['connect timeout', Object.assign(new Error('Connection terminated due to connection timeout'), { clientVersion: '7.10.0', cause: new Error('Connection terminated unexpectedly') })],
    ['pool wait timeout', new Error('timeout exceeded when trying to connect')],
    ['no answer', new Error('Query read timeout')],
    ['pool exhausted (Prisma)', prismaKnown('P2024')],
  ])('%s is an outage', (_, err) => {
    expect(isDatabaseOutage(err)).toBe(true);
  });

  it.each([
    ['unique violation', prismaKnown('P2002', adapterError({ kind: 'UniqueConstraintViolation' }))],
    ['record not found', prismaKnown('P2025')],
    ['syntax error', prismaKnown('P2010', adapterError({ kind: 'postgres', code: '42601' }))],
    ['a plain error', new Error('boom')],
    ['a refused socket that is not the database', Object.assign(new Error('connect ECONNREFUSED 10.0.0.2:2375'), { code: 'ECONNREFUSED' })],
    ['not an error', 'Connection terminated'],
    ['nothing', undefined],
  ])('%s is not', (_, err) => {
    expect(isDatabaseOutage(err)).toBe(false);
  });
});
