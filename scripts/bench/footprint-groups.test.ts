import { describe, expect, it } from 'vitest';
import { descendantsOf, groupProcesses, pidsOfTop, serviceOf, type Proc } from './footprint-groups';

const node = (entry: string) => ['/usr/bin/node', '--import', 'tsx', `/w/${entry}`];
const ESBUILD = ['/w/node_modules/@esbuild/linux-x64/bin/esbuild', '--service=0.28.2', '--ping'];
const p = (pid: number, ppid: number, argv: string[], rssKb: number, pssKb = rssKb): Proc => ({ pid, ppid, argv, rssKb, pssKb });

// gantryd 100 with its own esbuild helper, web with one, builder running git with a child of its
// own, two agents; beside them another installation (gantryd 900) and init; a netd container; a
// build container whose step runs through docker exec (503, a child of the shim, not of its init).
const PROCS: Proc[] = [
  p(1, 0, ['/sbin/init'], 5000),
  p(100, 1, node('apps/supervisor/src/main.ts'), 80_000, 60_000),
  p(101, 100, node('apps/web/src/server.ts'), 300_000, 250_000),
  p(102, 100, node('apps/builder/src/main.ts'), 200_000, 150_000),
  p(103, 100, node('apps/agent/src/main.ts'), 140_000, 100_000),
  p(104, 100, node('apps/agent/src/main.ts'), 130_000, 90_000),
  p(110, 100, ESBUILD, 14_000, 10_000),
  p(111, 101, ESBUILD, 15_000, 11_000),
  p(120, 102, ['git', 'archive', 'abc'], 4_000, 3_000),
  p(121, 120, ['gzip'], 1_000, 500),
  p(900, 1, node('apps/supervisor/src/main.ts'), 90_000),
  p(901, 900, node('apps/web/src/server.ts'), 310_000),
  p(500, 1, ['containerd-shim'], 9_000),
  p(501, 500, ['/sbin/docker-init', '--', 'node', 'netd.mjs'], 700, 600),
  p(502, 501, ['/usr/local/bin/node', '/opt/gantry-netd/netd.mjs'], 51_000, 45_000),
  p(600, 1, ['containerd-shim'], 9_000),
  p(601, 600, ['sleep', 'infinity'], 500),
  p(603, 600, ['bash', 'compile'], 120_000),
];

describe('serviceOf', () => {
  it('names the service from apps/<name>/ in the command line, source or built', () => {
    expect(serviceOf(node('apps/scheduler/src/main.ts'))).toBe('scheduler');
    expect(serviceOf(['node', 'apps/router/dist/main.js'])).toBe('router');
    expect(serviceOf(['/usr/bin/node', '--liftoff-only', '/w/.gantry/dist/scheduler.mjs'])).toBe('scheduler');
    expect(serviceOf(['node', '/w/.gantry/dist/scheduler.mjs.map'])).toBeNull();
    expect(serviceOf(node('apps/supervisor/src/programs/control.ts'))).toBe('control');
    expect(serviceOf(ESBUILD)).toBeNull();
    expect(serviceOf(['node', '/w/myapps/web/x.js'])).toBeNull();
  });
});

describe('groupProcesses', () => {
  const groups = groupProcesses(PROCS, {
    supervisor: 100,
    containers: [
      { group: 'netd', pids: [501, 502], kind: 'container' },
      { group: 'build', pids: [601, 603], kind: 'build' },
    ],
  });
  const byName = Object.fromEntries(groups.map((g) => [g.group, g]));

  it('one group for the supervisor, each service and each container, in that order', () => {
    expect(groups.map((g) => [g.group, g.kind])).toEqual([
      ['supervisor', 'supervisor'],
      ['agent', 'service'],
      ['agent#2', 'service'],
      ['builder', 'service'],
      ['web', 'service'],
      ['netd', 'container'],
      ['build', 'build'],
    ]);
  });

  it("the supervisor keeps its own helpers but not its services'", () => {
    expect(byName.supervisor).toMatchObject({ pid: 100, processes: 2, rssKb: 94_000, pssKb: 70_000, helpers: [{ name: 'esbuild', rssKb: 14_000 }] });
  });

  it('a service counts every process below it, grandchildren too', () => {
    expect(byName.web).toMatchObject({ pid: 101, processes: 2, rssKb: 315_000, pssKb: 261_000 });
    expect(byName.builder!.processes).toBe(3);
    expect(byName.builder!.rssKb).toBe(205_000);
    expect(byName.builder!.helpers.map((h) => h.name).sort()).toEqual(['git', 'gzip']);
  });

  it("another installation's processes count nowhere", () => {
    const total = groups.filter((g) => g.kind !== 'build').reduce((s, g) => s + g.rssKb, 0);
    expect(total).toBe(94_000 + 140_000 + 130_000 + 205_000 + 315_000 + 51_700);
  });

  it("a container counts every process its engine lists, exec'd ones too", () => {
    expect(byName.netd).toMatchObject({ pid: 501, processes: 2, rssKb: 51_700, pssKb: 45_600 });
    expect(byName.build).toMatchObject({ pid: 601, processes: 2, rssKb: 120_500, helpers: [{ name: 'bash', rssKb: 120_000 }] });
  });

  it('roots that are gone give no group', () => {
    expect(groupProcesses(PROCS, { supervisor: 4242, containers: [{ group: 'build', pids: [4343], kind: 'build' }] })).toEqual([]);
  });
});

describe('descendantsOf', () => {
  it('the roots present and everything below them', () => {
    expect([...descendantsOf(PROCS, [100, 501, 4242])].sort((a, b) => a - b)).toEqual([100, 101, 102, 103, 104, 110, 111, 120, 121, 501, 502]);
    expect([...descendantsOf(PROCS, [603])]).toEqual([603]);
    expect(descendantsOf(PROCS, [])).toEqual(new Set());
  });
});

describe('pidsOfTop', () => {
  it("reads the PID column of docker top's answer", () => {
    const top = {
      Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      Processes: [
        ['root', '17508', '17487', '0', '10:09', '?', '00:00:00', '/sbin/docker-init -- node netd.mjs'],
        ['root', '17534', '17508', '0', '10:09', '?', '00:00:01', 'node netd.mjs'],
      ],
    };
    expect(pidsOfTop(top)).toEqual([17508, 17534]);
    expect(pidsOfTop({ Titles: ['UID', 'CMD'], Processes: [['root', 'x']] })).toEqual([]);
    expect(pidsOfTop({})).toEqual([]);
  });
});
