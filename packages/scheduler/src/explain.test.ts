import { describe, expect, it } from 'vitest';
import { formatReport } from './explain';
import { Placer } from './placer';
import { eq, host, request, unit } from './testing';
import type { PlacementReport } from './types';

describe('formatReport', () => {
  it('a placement: rejections, then ranked hosts best first, the chosen one marked', () => {
    const hosts = [host('host-a', { labels: { region: 'us' } }), host('host-b', { labels: { region: 'eu' } }), host('host-c', { labels: { region: 'eu' } })];
    const placer = new Placer(hosts, [unit('host-b', 'other', 'web', 2048, 1024), unit('host-c', 'app', 'web')]);
    const report = placer.place(request('app', 'web', 2, { constraints: [eq('region', 'eu')] }));
    expect(formatReport(report, 'web.2')).toEqual([
      'web.2 placed on host-b',
      '  host-a  rejected by constraints: constraint region=eu not met (host has region=us)',
      '  host-b  spread 1.00  binpack 0.34  total 10.34   <- chosen',
      '  host-c  spread 0.50  binpack 0.19  total 5.19',
    ]);
  });

  it('no placement: the summary, and every rejection of a small cluster', () => {
    const placer = new Placer([host('a', { up: false }), host('b', { memoryGB: 1 })], []);
    expect(formatReport(placer.place(request('app', 'worker', 1, { memoryMB: 2048 })), 'worker.1')).toEqual([
      'worker.1 not placed: 2 hosts rejected (host-up: 1, resources: 1)',
      '  a  rejected by host-up: host is down',
      '  b  rejected by resources: needs 2 GB memory, 1 GB free',
    ]);
  });

  it('a large cluster: says what the sampled report leaves out', () => {
    const hosts = Array.from({ length: 100 }, (_, i) => host(`h${String(i).padStart(3, '0')}`, { up: i >= 10 }));
    const lines = formatReport(new Placer(hosts, []).place(request('app', 'web', 1)));
    expect(lines[0]).toBe('placed on h010');
    expect(lines.filter((l) => l.includes('rejected by'))).toHaveLength(3);
    expect(lines.filter((l) => l.includes('total'))).toHaveLength(5);
    expect(lines.slice(-2)).toEqual(['  ... 7 more rejected (host-up: 7)', '  ... 85 more feasible hosts ranked lower']);
  });

  it('reads a stored report (plain data)', () => {
    const stored: PlacementReport = {
      chosen: null,
      evaluated: 0,
      rejections: [],
      rejectedBy: {},
      top: [],
      summary: 'not placed: no hosts',
    };
    expect(formatReport(stored, 'web.1')).toEqual(['web.1 not placed: no hosts']);
  });
});
