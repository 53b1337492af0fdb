import { describe, expect, it } from 'vitest';
import { startTimes, upReportedMs } from './footprint-start';

const T0 = 1_000_000;
const SPAWNED = [
  { group: 'web', pid: 11, startedAt: T0 + 100 },
  { group: 'git', pid: 12, startedAt: T0 + 100 },
  { group: 'agent', pid: 13, startedAt: T0 + 900 },
];

describe('startTimes', () => {
  it("each service's first signal after its spawn; all ready when the last one was", () => {
    const f = startTimes(T0, SPAWNED, [
      { service: 'web', at: T0 + 5100 },
      { service: 'web', at: T0 + 5200 },
      { pid: 12, at: T0 + 3100 },
      { pid: 12, at: T0 + 6100 },
      { pid: 13, at: T0 + 4900 },
    ]);
    expect(f.services).toEqual([
      { group: 'web', spawnedAfterMs: 100, readyMs: 5000 },
      { group: 'git', spawnedAfterMs: 100, readyMs: 3000 },
      { group: 'agent', spawnedAfterMs: 900, readyMs: 4000 },
    ]);
    expect(f.allReadyMs).toBe(5100);
  });

  it("another process's signal (a previous pid, a stale heartbeat) does not count", () => {
    const f = startTimes(T0, SPAWNED, [
      { pid: 99, at: T0 + 1000 },
      { service: 'web', at: T0 + 50 },
      { pid: 12, at: T0 + 2100 },
      { pid: 13, at: T0 + 2900 },
    ]);
    expect(f.services.map((s) => s.readyMs)).toEqual([null, 2000, 2000]);
    expect(f.allReadyMs).toBeNull();
  });

  it('nothing spawned: nothing ready', () => {
    expect(startTimes(T0, [], [])).toEqual({ services: [], allReadyMs: null });
  });
});

describe('upReportedMs', () => {
  it("reads up.ts's own time from its output, colours and all", () => {
    expect(upReportedMs('==> Starting Gantry services\n\u001b[1;36m==>\u001b[0m Gantry is up (7.3s)\n    Dashboard and API: ...')).toBe(7300);
    expect(upReportedMs('npm run up failed: boom')).toBeNull();
  });
});
