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
  it('removes old one-offs without a lease and says so in the app log', async () => {
    const f = fakes([container('lost', 60_000, '4321'), container('held', 60_000)], ['held']);
    expect(await sweepOneOffs(f.deps, NOW, 20_000)).toEqual(['lost']);
    expect(f.killed).toEqual(['id-lost']);
    expect(f.lines).toEqual([{ appId: 'app-1', source: 'gantry', process: 'run.4321', line: 'Killed (session lost: the API relaying it stopped)' }]);
  });

  it('leaves young one-offs alone, lease or not', async () => {
    const f = fakes([container('new', 5_000)], []);
    expect(await sweepOneOffs(f.deps, NOW, 20_000)).toEqual([]);
    expect(f.killed).toEqual([]);
  });

  it('goes on with the others when one cannot be removed', async () => {
    const f = fakes([container('a', 60_000), container('b', 60_000)], [], ['id-a']);
    expect(await sweepOneOffs(f.deps, NOW, 20_000)).toEqual(['b']);
  });
});
