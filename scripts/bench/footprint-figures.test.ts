import { describe, expect, it } from 'vitest';
import { agentFootprint, againstBudget, byGroup, formatTable, helperText, idleFigures, medianOf, memoryTable, peakFigures, type Sample } from './footprint-figures';
import type { GroupSample } from './footprint-groups';

const g = (group: string, kind: GroupSample['kind'], rssMb: number, pssMb = rssMb, helpers: GroupSample['helpers'] = []): GroupSample => ({
  group,
  kind,
  pid: 1,
  processes: 1 + helpers.length,
  rssKb: rssMb * 1024,
  pssKb: pssMb * 1024,
  helpers,
});

// Three samples: web grows, the agent stays, netd is Gantry's container; a build shows up in one.
const SAMPLES: Sample[] = [
  { at: 0, groups: [g('supervisor', 'supervisor', 80), g('web', 'service', 300, 250, [{ name: 'esbuild', rssKb: 14 * 1024 }]), g('agent', 'service', 140, 100), g('netd', 'container', 50)] },
  { at: 1, groups: [g('supervisor', 'supervisor', 82), g('web', 'service', 340, 280, [{ name: 'esbuild', rssKb: 14 * 1024 }]), g('agent', 'service', 150, 110), g('netd', 'container', 50), g('build', 'build', 200), g('build', 'build', 20)] },
  { at: 2, groups: [g('supervisor', 'supervisor', 81), g('web', 'service', 310, 260, [{ name: 'esbuild', rssKb: 16 * 1024 }]), g('agent', 'service', 160, 120), g('netd', 'container', 40)] },
];

describe('medianOf', () => {
  it('an observed value: the lower middle', () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 3, 2])).toBe(2);
    expect(() => medianOf([])).toThrow();
  });
});

describe('byGroup', () => {
  it('sums groups of one name (two build containers)', () => {
    expect(byGroup(SAMPLES[1]!).get('build')).toMatchObject({ rssKb: 220 * 1024, processes: 2 });
  });
});

describe('idleFigures', () => {
  const idle = idleFigures(SAMPLES);

  it('per group the median of the samples, ordered supervisor, services, containers', () => {
    expect(idle.groups.map((x) => [x.group, x.rssKb / 1024])).toEqual([
      ['supervisor', 81],
      ['agent', 150],
      ['web', 310],
      ['netd', 50],
      ['build', 220],
    ]);
    expect(idle.groups.find((x) => x.group === 'web')!.helpers).toEqual({ esbuild: 14 * 1024 });
  });

  it("the total is the median of the per-sample sums of Gantry's groups: an app's build does not count", () => {
    // RSS sums 570, 622, 591 MB; PSS 480, 522, 501 (the build's 220 MB left out).
    expect(idle.totalRssKb / 1024).toBe(591);
    expect(idle.totalPssKb / 1024).toBe(501);
    expect(idle.samples).toBe(3);
  });
});

describe('peakFigures', () => {
  const peak = peakFigures(SAMPLES);

  it('per group its own peak; the total the peak of the sums, not the sum of the peaks', () => {
    expect(peak.groups.find((x) => x.group === 'web')!.rssKb / 1024).toBe(340);
    expect(peak.groups.find((x) => x.group === 'agent')!.rssKb / 1024).toBe(160);
    expect(peak.totalRssKb / 1024).toBe(622);
    const sumOfPeaks = peak.groups.filter((x) => x.kind !== 'build').reduce((s, x) => s + x.rssKb, 0) / 1024;
    expect(sumOfPeaks).toBe(632);
  });

  it('the agent alone: its idle median and its peak', () => {
    expect(agentFootprint(idleFigures(SAMPLES), peak)).toEqual({ idleKb: 150 * 1024, peakKb: 160 * 1024 });
    expect(agentFootprint(idleFigures([{ at: 0, groups: [g('web', 'service', 1)] }]), peak)).toBeNull();
  });
});

describe('againstBudget', () => {
  it('value, budget, ratio and verdict', () => {
    expect(againstBudget(612.4, 400, 'MB')).toBe('612 MB of 400 MB (153 %), over budget');
    expect(againstBudget(400, 400, 'MB')).toBe('400 MB of 400 MB (100 %), within budget');
    expect(againstBudget(7.25, 10, 's')).toBe('7.3 s of 10 s (73 %), within budget');
  });
});

describe('formatTable', () => {
  it('first column left, others right, a rule under the header', () => {
    expect(formatTable(['name', 'MB'], [['web', '310'], ['supervisor', '81']])).toEqual(['name         MB', '----------  ---', 'web         310', 'supervisor   81']);
  });
});

describe('helperText', () => {
  it('idle helpers, then those seen only while deploying', () => {
    expect(helperText({ esbuild: 14 * 1024 }, { esbuild: 15 * 1024, node: 46 * 1024, 'git-receive-pack': 4 * 1024 })).toBe('esbuild 14; deploy: git-receive-pack 4, node 46');
    expect(helperText(undefined, { sleep: 2 * 1024 })).toBe('deploy: sleep 2');
    expect(helperText({}, {})).toBe('-');
  });
});

describe('memoryTable', () => {
  it('idle and peak side by side, the total, then the build apart', () => {
    const lines = memoryTable(idleFigures(SAMPLES), peakFigures(SAMPLES), { web: 4200, agent: null });
    const rowOf = (label: string) => lines.find((l) => l.startsWith(label))!.split(/\s{2,}/);
    expect(rowOf('web ')).toEqual(['web', '2', '310', '260', '340', 'esbuild 14', '4.2 s']);
    expect(rowOf('agent')).toEqual(['agent', '1', '150', '110', '160', '-', 'never']);
    expect(rowOf('total (Gantry)')).toEqual(['total (Gantry)', '591', '501', '622']);
    expect(rowOf('netd (container)')[0]).toBe('netd (container)');
    expect(lines.at(-1)!.startsWith('build (app build, not counted)')).toBe(true);
  });
});
