/**
 * bench:footprint's grouping of processes into Gantry's services, by ancestry. Pure.
 *
 *   gantryd (supervisor) ─┬─ node ... apps/web/src/server.ts ──── esbuild --service  -> "web" (node + helper)
 *                         ├─ node ... apps/builder/src/main.ts ─┬─ git archive     -> "builder"
 *                         │                                     └─ esbuild ...
 *                         └─ esbuild --service (its own)                             -> "supervisor"
 *   containers (netd, a build): the processes their engine lists (docker top)        -> one group each
 *
 * A direct child of the supervisor whose command line names `apps/<name>/` (or, compiled,
 * `.gantry/dist/<name>.mjs`) is the service
 * <name>, with every process below it; any other child (tsx's esbuild helper of gantryd itself)
 * counts with the supervisor. Within a group the root is the service's own process and every
 * other process a helper.
 */

export interface Proc {
  pid: number;
  ppid: number;
  argv: string[];
  /** Resident set (VmRSS) and proportional set size (Pss), KiB. */
  rssKb: number;
  pssKb: number;
}

export interface Roots {
  supervisor: number;
  /**
   * Processes that are not the supervisor's descendants: a container's, as its engine lists them
   * (`docker top`: its init and also what `docker exec` started in it, which is no descendant of
   * its init), Gantry's own (netd: kind "container") or an app's build (kind "build", shown apart
   * from Gantry's total).
   */
  containers: { group: string; pids: number[]; kind: 'container' | 'build' }[];
}

export type GroupKind = 'supervisor' | 'service' | 'container' | 'build';

export interface GroupSample {
  group: string;
  kind: GroupKind;
  /** pid of the group's own process (the service, the supervisor, the container's init). */
  pid: number;
  processes: number;
  rssKb: number;
  pssKb: number;
  /** The other processes of the group (esbuild, git...): their names and resident sets. */
  helpers: { name: string; rssKb: number }[];
}

/**
 * The service a command line runs: `apps/<name>/` in any argument (its TypeScript source, through
 * tsx; a process co-hosting several is named by its program, apps/supervisor/src/programs/<name>.ts)
 * or the production build's `.gantry/dist/<name>.mjs`.
 */
export function serviceOf(argv: string[]): string | null {
  for (const arg of argv) {
    const m =
      /(?:^|\/)apps\/supervisor\/src\/programs\/([^/]+)\.ts$/.exec(arg) ?? /(?:^|\/)apps\/([^/]+)\//.exec(arg) ?? /(?:^|\/)\.gantry\/dist\/([^/]+)\.mjs$/.exec(arg);
    if (m) return m[1]!;
  }
  return null;
}

const baseName = (argv: string[]) => (argv[0] ?? '?').split('/').pop()!;

function childrenIndex(procs: Proc[]): Map<number, Proc[]> {
  const children = new Map<number, Proc[]>();
  for (const p of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  return children;
}

function subtree(root: Proc, children: Map<number, Proc[]>, skip: Set<number> = new Set()): Proc[] {
  const out: Proc[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    if (skip.has(p.pid)) continue;
    out.push(p);
    todo.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

function summarise(group: string, kind: GroupKind, root: Proc, members: Proc[]): GroupSample {
  return {
    group,
    kind,
    pid: root.pid,
    processes: members.length,
    rssKb: members.reduce((s, p) => s + p.rssKb, 0),
    pssKb: members.reduce((s, p) => s + p.pssKb, 0),
    helpers: members.filter((p) => p !== root).map((p) => ({ name: baseName(p.argv), rssKb: p.rssKb })),
  };
}

/**
 * The groups of one sample: the supervisor, each service (two of one name become "agent",
 * "agent#2"), each container. A root (or container) no longer there gives no group.
 */
export function groupProcesses(procs: Proc[], roots: Roots): GroupSample[] {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const children = childrenIndex(procs);
  const out: GroupSample[] = [];
  const sup = byPid.get(roots.supervisor);
  if (sup) {
    const services: [string, Proc][] = [];
    for (const child of children.get(sup.pid) ?? []) {
      const name = serviceOf(child.argv);
      if (name && name !== 'supervisor') services.push([name, child]);
    }
    const serviceRoots = new Set(services.map(([, p]) => p.pid));
    out.push(summarise('supervisor', 'supervisor', sup, subtree(sup, children, serviceRoots)));
    const seen = new Map<string, number>();
    const named = services
      .sort(([a, p], [b, q]) => a.localeCompare(b) || p.pid - q.pid)
      .map(([name, p]) => {
        const n = (seen.get(name) ?? 0) + 1;
        seen.set(name, n);
        return [n === 1 ? name : `${name}#${n}`, p] as const;
      });
    for (const [name, p] of named) out.push(summarise(name, 'service', p, subtree(p, children)));
  }
  for (const c of roots.containers) {
    const members = c.pids.map((pid) => byPid.get(pid)).filter((p): p is Proc => p !== undefined);
    if (members.length) out.push(summarise(c.group, c.kind, members[0]!, members));
  }
  return out;
}

/** The roots and every process below them (which processes' memory a sample needs to read). */
export function descendantsOf(procs: { pid: number; ppid: number }[], roots: number[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const known = new Set(procs.map((p) => p.pid));
  const out = new Set<number>();
  const todo = roots.filter((r) => known.has(r));
  while (todo.length) {
    const pid = todo.pop()!;
    if (out.has(pid)) continue;
    out.add(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The pids in `docker top`'s answer (its PID column), in its order. */
export function pidsOfTop(top: { Titles?: string[]; Processes?: string[][] }): number[] {
  const col = (top.Titles ?? []).indexOf('PID');
  if (col < 0) return [];
  return (top.Processes ?? []).map((row) => Number(row[col])).filter((pid) => Number.isInteger(pid) && pid > 0);
}
