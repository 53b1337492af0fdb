import { describe, expect, it } from 'vitest';
import { bootTimeMs, parseCmdline, parseSmapsRollup, parseStat, parseStatusRss, startedAtMs } from './footprint-procfs';

// Copied from this machine's /proc (a Gantry API process under tsx, and kthreadd).
const NODE_STAT =
  '10580 (node) S 10568 10568 10568 0 -1 4194304 89633 0 0 0 261 38 0 0 20 0 14 0 5713798 67802206208 61939 18446744073709551615 11988992 39846385 140721996582640 0 0 0 0 16781312 17922 0 0 0 17 0 0 0 0 0 0 90418888 90555584 1034424320 140721996584497 140721996584558 140721996584558 140721996586986 0\n';
const KTHREAD_STAT = '2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 2 0 0 20 0 1 0 25 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n';
const STATUS = 'Name:\tnode\nUmask:\t0022\nState:\tS (sleeping)\nVmPeak:\t66275868 kB\nVmHWM:\t  314880 kB\nVmRSS:\t  247932 kB\nRssAnon:\t  178272 kB\nRssFile:\t   69660 kB\n';
const ROLLUP =
  '00400000-7ffc649e6000 ---p 00000000 00:00 0                              [rollup]\nRss:              247932 kB\nPss:              202404 kB\nPss_Dirty:        178272 kB\nPss_Anon:         178272 kB\nShared_Clean:      48680 kB\n';

describe('parseStat', () => {
  it('reads pid, name, ppid and the start ticks (field 22)', () => {
    expect(parseStat(NODE_STAT)).toEqual({ pid: 10580, comm: 'node', ppid: 10568, startTicks: 5713798 });
    expect(parseStat(KTHREAD_STAT)).toEqual({ pid: 2, comm: 'kthreadd', ppid: 0, startTicks: 25 });
  });

  it('counts fields from the last parenthesis: a name may hold spaces and parentheses', () => {
    const odd = NODE_STAT.replace('(node)', '(a) b (c) d)');
    expect(parseStat(odd)).toEqual({ pid: 10580, comm: 'a) b (c) d', ppid: 10568, startTicks: 5713798 });
  });

  it('refuses text that is not a stat line', () => {
    expect(() => parseStat('')).toThrow(/not a \/proc/);
    expect(() => parseStat('12 (x) S')).toThrow(/unreadable/);
  });
});

describe('parseCmdline', () => {
  it('splits on NUL and drops the trailing one', () => {
    expect(parseCmdline('/usr/bin/node\0--import\0tsx\0/w/apps/web/src/server.ts\0')).toEqual(['/usr/bin/node', '--import', 'tsx', '/w/apps/web/src/server.ts']);
    expect(parseCmdline('')).toEqual([]);
  });
});

describe('memory fields', () => {
  it('VmRSS from status, not VmHWM or RssAnon', () => {
    expect(parseStatusRss(STATUS)).toBe(247932);
    expect(parseStatusRss('Name:\tkthreadd\nState:\tS (sleeping)\n')).toBeNull();
  });

  it('Rss and Pss from smaps_rollup, not Pss_Dirty', () => {
    expect(parseSmapsRollup(ROLLUP)).toEqual({ rssKb: 247932, pssKb: 202404 });
    expect(parseSmapsRollup('')).toBeNull();
  });
});

describe('start time', () => {
  it('boot time from /proc/uptime and the wall clock, to the hundredth', () => {
    expect(bootTimeMs('57702.31 110923.52\n', 1796467308304)).toBe(1796409605994);
    expect(() => bootTimeMs('', 1)).toThrow(/uptime/);
  });

  it('ticks after boot to epoch ms', () => {
    expect(startedAtMs(5713798, 1796409605994, 100)).toBe(1796409605994 + 57137980);
    expect(startedAtMs(250, 1000, 250)).toBe(2000);
  });
});
