/**
 * A memory cgroup (v1, as Docker from Debian sets this machine up) to run a process tree inside a
 * memory limit, as on a small VPS: created under this test process's own memory cgroup; its
 * usage read back.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup/memory';

export interface MemoryUse {
  /** Highest usage since creation (memory.max_usage_in_bytes), bytes. */
  maxBytes: number;
  nowBytes: number;
  /** Times the limit was hit (the kernel then reclaimed: page cache first). */
  limitHits: number;
  /** Processes the kernel's OOM killer killed in it. */
  oomKills: number;
}

async function ownCgroup(): Promise<string> {
  const line = (await readFile('/proc/self/cgroup', 'utf8')).split('\n').find((l) => /^\d+:memory:/.test(l));
  if (!line) throw new Error('no memory cgroup (v1) for this process: /proc/self/cgroup has no memory line');
  return join(ROOT, line.slice(line.indexOf(':memory:') + ':memory:'.length));
}

/** Every descendant of `root` (itself included), from /proc. */
export async function processTree(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

export class MemoryCgroup {
  private constructor(readonly path: string) {}

  static async create(name: string, limitBytes: number): Promise<MemoryCgroup> {
    const parent = await ownCgroup();
    const path = join(parent, name);
    await mkdir(path, { recursive: true });
    // No moving charges on this kernel (move_charge_at_immigrate: EINVAL): what a process holds is
    // charged where it was allocated, so processes are started inside (installer's startSupervisor).
    await writeFile(join(path, 'memory.limit_in_bytes'), String(limitBytes));
    // Reused by name: what an earlier run left charged is reclaimed and the counters start at 0.
    await writeFile(join(path, 'memory.force_empty'), '0').catch(() => {});
    await writeFile(join(path, 'memory.max_usage_in_bytes'), '0');
    await writeFile(join(path, 'memory.failcnt'), '0');
    return new MemoryCgroup(path);
  }

  async pids(): Promise<number[]> {
    return (await readFile(join(this.path, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean).map(Number);
  }

  async use(): Promise<MemoryUse> {
    const read = async (f: string) => Number((await readFile(join(this.path, f), 'utf8')).trim());
    const oom = await readFile(join(this.path, 'memory.oom_control'), 'utf8');
    return {
      maxBytes: await read('memory.max_usage_in_bytes'),
      nowBytes: await read('memory.usage_in_bytes'),
      limitHits: await read('memory.failcnt'),
      oomKills: Number(/oom_kill (\d+)/.exec(oom)?.[1] ?? 0),
    };
  }
}
