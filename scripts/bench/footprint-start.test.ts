import { describe, expect, it } from 'vitest';
import { startTimes, upReportedMs } from './footprint-start';

const T0 = 1_000_000;
const SPAWNED = [
  { group: 'front', pid: 11, startedAt: T0 + 100, parts: ['web', 'git'] },
  { group: 'control', pid: 12, startedAt: T0 + 100, parts: ['scheduler', 'builder'] },
  { group: 'agent', pid: 13, startedAt: T0 + 900, parts: ['agent-local'] },
];

describe('startTimes', () => {
  it('a process is ready when the last of its services first signalled; all when the last process was', () => {
    const f = startTimes(T0, SPAWNED, [
      { part: 'web', at: T0 + 5100 },
      { part: 'web', at: T0 + 5200 },
      { part: 'git', pid: 11, at: T0 + 2100 },
      { part: 'scheduler', pid: 12, at: T0 + 3100 },
      { part: 'builder', pid: 12, at: T0 + 2600 },
      { part: 'scheduler', pid: 12, at: T0 + 6100 },
      { part: 'agent', pid: 13, at: T0 + 4900 },
    ]);
    expect(f.services).toEqual([
      { group: 'front', spawnedAfterMs: 100, readyMs: 5000 },
      { group: 'control', spawnedAfterMs: 100, readyMs: 3000 },
      { group: 'agent', spawnedAfterMs: 900, readyMs: 4000 },
    ]);
    expect(f.allReadyMs).toBe(5100);
  });

  it("another process's signal (a previous pid, a stale heartbeat) does not count, nor a part still silent", () => {
    const f = startTimes(T0, SPAWNED, [
      { part: 'git', pid: 99, at: T0 + 1000 },
      { part: 'web', at: T0 + 50 },
      { part: 'git', pid: 11, at: T0 + 2000 },
      { part: 'scheduler', pid: 12, at: T0 + 2100 },
      { part: 'agent', pid: 13, at: T0 + 2900 },
    ]);
    expect(f.services.map((s) => s.readyMs)).toEqual([null, null, 2000]);
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
