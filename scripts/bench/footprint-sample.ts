/**
 * bench:footprint's sampler (the adapter): reads /proc for the supervisor's descendants and the
 * installation's containers (netd, builds), and groups them (footprint-groups.ts). A process
 * that exits between two reads is left out of that sample.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Docker } from '@gantry/docker';
import { descendantsOf, groupProcesses, pidsOfTop, type Proc, type Roots } from './footprint-groups';
import type { Sample } from './footprint-figures';
import { bootTimeMs, parseCmdline, parseSmapsRollup, parseStat, parseStatusRss, startedAtMs } from './footprint-procfs';

const read = (path: string) => readFile(path, 'utf8').catch(() => null);

interface Entry {
  pid: number;
  ppid: number;
  startTicks: number;
}

/** ppid and start of every process on the machine (the tree is needed to find the descendants). */
async function processTable(): Promise<Entry[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  const stats = await Promise.all(pids.map((pid) => read(`/proc/${pid}/stat`)));
  return stats.flatMap((text) => {
    if (!text) return [];
    const s = parseStat(text);
    return [{ pid: s.pid, ppid: s.ppid, startTicks: s.startTicks }];
  });
}

async function memberOf(e: Entry): Promise<Proc | null> {
  const [cmdline, status, rollup] = await Promise.all([read(`/proc/${e.pid}/cmdline`), read(`/proc/${e.pid}/status`), read(`/proc/${e.pid}/smaps_rollup`)]);
  const rssKb = status === null ? null : parseStatusRss(status);
  if (cmdline === null || rssKb === null) return null;
  const pss = rollup === null ? null : parseSmapsRollup(rollup);
  return { pid: e.pid, ppid: e.ppid, argv: parseCmdline(cmdline), rssKb, pssKb: pss?.pssKb ?? rssKb };
}

export interface Clock {
  bootMs: number;
  ticksPerSec: number;
}

export async function readClock(): Promise<Clock> {
  const { stdout } = await promisify(execFile)('getconf', ['CLK_TCK']);
  const uptime = await readFile('/proc/uptime', 'utf8');
  return { bootMs: bootTimeMs(uptime, Date.now()), ticksPerSec: Number(stdout.trim()) };
}

export interface Snapshot {
  sample: Sample;
  /** Start time (epoch ms) of each process sampled. */
  startedAt: Map<number, number>;
}

/** One sample of the groups under these roots. */
export async function snapshot(roots: Roots, clock: Clock): Promise<Snapshot> {
  const at = Date.now();
  const table = await processTable();
  const wanted = descendantsOf(table, [roots.supervisor, ...roots.containers.flatMap((c) => c.pids)]);
  const entries = table.filter((e) => wanted.has(e.pid));
  const procs = (await Promise.all(entries.map(memberOf))).filter((p): p is Proc => p !== null);
  const startedAt = new Map(entries.map((e) => [e.pid, startedAtMs(e.startTicks, clock.bootMs, clock.ticksPerSec)]));
  return { sample: { at, groups: groupProcesses(procs, roots) }, startedAt };
}

/**
 * The installation's containers as sample roots: the processes their engine lists (docker top,
 * pids of this machine), netd's as Gantry's (counted), a build container's as the app's (apart).
 */
export function containerRoots(docker: Docker, instance: string): () => Promise<Roots['containers']> {
  return async () => {
    const list = await docker.listContainers({ filters: { label: [`gantry.instance=${instance}`], status: ['running'] } });
    const out: Roots['containers'] = [];
    for (const c of list) {
      const role = c.Labels['gantry.role'];
      if (role !== 'netd' && role !== 'builder') continue;
      const pids = pidsOfTop(await docker.getContainer(c.Id).top().catch(() => ({})));
      if (pids.length) out.push(role === 'netd' ? { group: 'netd', pids, kind: 'container' } : { group: 'build', pids, kind: 'build' });
    }
    return out;
  };
}
