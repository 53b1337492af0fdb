import { describe, expect, it } from 'vitest';
import { parseStat, selectProcesses, type ProcInfo } from './processes';

const p = (pid: number, ppid: number, netns: string, cmdline = '', state = 'S'): ProcInfo => ({ pid, ppid, netns, cmdline, state });

describe('lab processes', () => {
  it('parses /proc/<pid>/stat, even with odd command names', () => {
    expect(parseStat('123 (dockerd) S 1 123 123 0 -1')).toEqual({ pid: 123, state: 'S', ppid: 1 });
    expect(parseStat('77 (a) b (c)) Z 12 77 0')).toEqual({ pid: 77, state: 'Z', ppid: 12 });
  });

  it("selects the namespace's processes and their descendants, never this process or its ancestors", () => {
    const root = 'net:[1]';
    const lab = 'net:[2]';
    const procs = [
      p(1, 0, root, '/sbin/init'),
      p(10, 1, root, 'node vitest'),
      p(11, 10, root, 'node worker'), // self
      p(20, 11, lab, '/usr/sbin/dockerd --data-root /var/lib/gantry-lab/lab/a/data'),
      p(21, 20, lab, 'containerd --config /run/gantry-lab/lab/a/exec/containerd/containerd.toml'),
      p(30, 1, lab, 'containerd-shim-runc-v2 -address /run/gantry-lab/lab/a/exec/containerd/containerd.sock'),
      p(31, 30, 'net:[3]', 'perl -e server'),
      p(32, 31, 'net:[3]', 'sleep 1'),
      p(33, 30, 'net:[3]', 'defunct', 'Z'),
      p(40, 1, root, '/usr/sbin/dockerd --data-root /var/lib/gantry-lab/lab/b/data'),
      p(50, 1, root, '/usr/sbin/dockerd'),
      p(60, 1, 'net:[9]', '/usr/sbin/dockerd --data-root /var/lib/gantry-lab/lab2/a/data'),
    ];
    expect(selectProcesses(procs, [lab], [], 11)).toEqual([20, 21, 30, 31, 32]);
    expect(selectProcesses(procs, [], ['/var/lib/gantry-lab/lab/'], 11)).toEqual([20, 21, 40]);
    // The test runner itself in the namespace (or matching a marker) is spared.
    expect(selectProcesses([...procs.slice(0, 2), p(11, 10, lab, 'node /var/lib/gantry-lab/lab/')], [lab], ['/var/lib/gantry-lab/lab/'], 11)).toEqual([]);
  });
});
