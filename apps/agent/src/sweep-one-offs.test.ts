import { describe, expect, it } from 'vitest';
import type { HostContainer } from './docker-host';
import { sweepOneOffs } from './sweep-one-offs';

const NOW = 1_000_000;
const container = (name: string, ageMs: number, index = '1234'): HostContainer => ({
  containerId: `id-${name}`,
  name,
  labels: { 'gantry.app.id': 'app-1', 'gantry.process.index': index },
  state: 'running',
  createdAt: NOW - ageMs,
});

function fakes(containers: HostContainer[], alive: string[], failKill: string[] = []) {
  const killed: string[] = [];
  const lines: Array<{ appId: string; process: string; line: string }> = [];
  return {
    killed,
    lines,
    deps: {
      host: {
        list: async () => containers,
        kill: async (id: string) => {
          if (failKill.includes(id)) throw new Error('engine said no');
          killed.push(id);
        },
      },
      leases: { alive: async (names: string[]) => new Set(names.filter((n) => alive.includes(n))) },
      logs: { append: async (appId: string, entries: Array<{ process: string; line: string }>) => void lines.push(...entries.map((e) => ({ appId, ...e }))) },
      log: { info: () => {}, warn: () => {} },
    },
  };
}

describe('sweepOneOffs', () => {
  it('removes old one-offs without a lease on two sweeps in a row, and says so in the app log', async () => {
    const f = fakes([container('lost', 60_000, '4321'), container('held', 60_000)], ['held']);
    const suspects = new Set<string>();
    expect(await sweepOneOffs(f.deps, suspects, NOW, 20_000)).toEqual([]);
    expect([...suspects]).toEqual(['lost']);
    expect(await sweepOneOffs(f.deps, suspects, NOW, 20_000)).toEqual(['lost']);
    expect(suspects.size).toBe(0);
    expect(f.killed).toEqual(['id-lost']);
    expect(f.lines).toEqual([{ appId: 'app-1', source: 'gantry', process: 'run.4321', line: 'Killed (session lost: the API relaying it stopped)' }]);
  });

  it('spares a one-off whose lease is back on the second sweep (its API renewed it after a Redis outage)', async () => {
    const alive: string[] = [];
    const f = fakes([container('blip', 60_000)], alive);
    const suspects = new Set<string>();
    await sweepOneOffs(f.deps, suspects, NOW, 20_000);
    alive.push('blip');
    expect(await sweepOneOffs(f.deps, suspects, NOW, 20_000)).toEqual([]);
    expect(suspects.size).toBe(0);
    expect(f.killed).toEqual([]);
  });

  it('leaves young one-offs alone, lease or not', async () => {
    const f = fakes([container('new', 5_000)], []);
    const suspects = new Set<string>();
    for (let i = 0; i < 2; i++) expect(await sweepOneOffs(f.deps, suspects, NOW, 20_000)).toEqual([]);
    expect(f.killed).toEqual([]);
  });

  it('goes on with the others when one cannot be removed, and tries it again', async () => {
    const f = fakes([container('a', 60_000), container('b', 60_000)], [], ['id-a']);
    const suspects = new Set<string>();
    await sweepOneOffs(f.deps, suspects, NOW, 20_000);
    expect(await sweepOneOffs(f.deps, suspects, NOW, 20_000)).toEqual(['b']);
    expect([...suspects]).toEqual(['a']);
  });
});
