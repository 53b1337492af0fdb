import { describe, expect, it } from 'vitest';
import { ControlLoop, type LoopDeps } from './loop';

/** What Prisma throws (through the pg adapter) while Postgres is unreachable. */
const unreachable = () =>
  Object.assign(new Error('\nInvalid `db.app.findMany()` invocation'), {
    name: 'PrismaClientKnownRequestError',
    code: 'P1001',
    meta: { driverAdapterError: Object.assign(new Error('DatabaseNotReachable'), { name: 'DriverAdapterError', cause: { kind: 'DatabaseNotReachable' } }) },
  });

describe('ControlLoop during a Postgres outage', () => {
  it('logs a failed sweep and goes on (no unhandled rejection, which ended the scheduler)', async () => {
    const logged: string[] = [];
    let listed = 0;
    let up = false;
    const deps = {
      db: {
        app: {
          findMany: async () => {
            listed++;
            if (!up) throw unreachable();
            return [];
          },
        },
      },
      allocs: { all: async () => [] },
      routes: { load: async () => ({ routes: new Map() }) },
      log: { debug: () => {}, info: () => {}, warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) },
      isLeader: () => true,
    } as unknown as LoopDeps;
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    try {
      const loop = new ControlLoop(deps);
      loop.sweep();
      await new Promise((r) => setTimeout(r, 20));
      loop.sweep(); // the next sweep (the timer's) tries again
      await new Promise((r) => setTimeout(r, 20));
      up = true;
      loop.sweep();
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(listed).toBe(3);
    expect(logged).toEqual(['sweep: cannot reach Postgres; will retry', 'sweep: cannot reach Postgres; will retry']);
  });
});
