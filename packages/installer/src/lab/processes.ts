/**
 * Finding and killing a lab host's processes from /proc: everything whose network namespace is
 * the host's (dockerd, containerd, shims, docker-proxy), everything whose command line names the
 * host's directories (found even after its namespace is gone), and all their descendants
 * (containers live in namespaces of their own, under the shims).
 */
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
  /** "net:[4026532...]" or undefined when unreadable. */
  netns?: string;
  cmdline: string;
}

/** Parses /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses. */
export function parseStat(text: string): { pid: number; state: string; ppid: number } | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const rest = text.slice(close + 2).split(' ');
  return { pid: Number.parseInt(text, 10), state: rest[0] ?? '?', ppid: Number(rest[1]) };
}

export async function listProcesses(): Promise<ProcInfo[]> {
  const out: ProcInfo[] = [];
  const entries = await readdir('/proc');
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        try {
          const st = parseStat(await readFile(`/proc/${e}/stat`, 'utf8'));
          if (!st) return;
          const [netns, cmdline] = await Promise.all([
            readlink(`/proc/${e}/ns/net`).catch(() => undefined),
            readFile(`/proc/${e}/cmdline`, 'utf8').catch(() => ''),
          ]);
          out.push({ pid: st.pid, ppid: st.ppid, state: st.state, netns, cmdline: cmdline.replace(/\0/g, ' ').trim() });
        } catch {
          // exited meanwhile
        }
      }),
  );
  return out;
}

/** "net:[<inode>]" of a namespace file such as /run/netns/X, or null when it does not exist. */
export async function netnsId(file: string): Promise<string | null> {
  try {
    const st = await stat(file);
    return `net:[${st.ino}]`;
  } catch {
    return null;
  }
}

/**
 * Pids to kill: processes in one of `netns` or whose command line contains one of `markers`, and
 * all their descendants; never this process or its ancestors; zombies are already dead.
 */
export function selectProcesses(procs: ProcInfo[], netns: string[], markers: string[], self: number): number[] {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const protectedPids = new Set<number>();
  for (let p: number | undefined = self; p && !protectedPids.has(p); p = byPid.get(p)?.ppid) protectedPids.add(p);
  protectedPids.add(1);
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(p.pid);
    children.set(p.ppid, list);
  }
  const chosen = new Set<number>();
  const stack = procs
    .filter((p) => (p.netns !== undefined && netns.includes(p.netns)) || markers.some((m) => p.cmdline.includes(m)))
    .map((p) => p.pid);
  while (stack.length) {
    const pid = stack.pop()!;
    if (chosen.has(pid) || protectedPids.has(pid)) continue;
    chosen.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return [...chosen].filter((pid) => byPid.get(pid)?.state !== 'Z').sort((a, b) => a - b);
}

/**
 * SIGKILLs every matching process, again and again until none is left (children forked meanwhile,
 * orphans reparented): resolves once they are all gone. Returns how many were killed.
 */
export async function killProcesses(netnsFiles: string[], markers: string[], timeoutMs = 10_000): Promise<number> {
  const ids = (await Promise.all(netnsFiles.map(netnsId))).filter((x): x is string => x !== null);
  const killed = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = selectProcesses(await listProcesses(), ids, markers, process.pid);
    if (!pids.length) return killed.size;
    if (Date.now() > deadline) throw new Error(`Processes still alive after SIGKILL: ${pids.join(', ')}`);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      } catch {
        // gone already
      }
    }
    await sleep(20);
  }
}
