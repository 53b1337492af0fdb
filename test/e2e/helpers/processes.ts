/** Extra Gantry processes a test runs beside the ones the supervisor runs (e.g. a second scheduler). */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

export function spawnScheduler(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'apps/scheduler/src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
}

export interface RunningProcess {
  pid: number;
  cmdline: string;
  env: Record<string, string>;
}

/** The first process (from /proc) that `match` accepts, with its command line and environment. */
export async function findProcess(match: (p: RunningProcess) => boolean): Promise<RunningProcess | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ');
      const env = Object.fromEntries(
        (await readFile(`/proc/${entry}/environ`, 'utf8'))
          .split('\0')
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
      const p = { pid: Number(entry), cmdline, env };
      if (match(p)) return p;
    } catch {
      /* gone, or not ours to read */
    }
  }
  return undefined;
}

/**
 * The process the test Gantry's supervisor runs `service` in (named in the child's GANTRY_PARTS,
 * compiled or not; several services may share it), optionally narrowed further.
 */
export function findService(instance: string, service: string, also: (p: RunningProcess) => boolean = () => true): Promise<RunningProcess | undefined> {
  return findProcess((p) => (p.env.GANTRY_PARTS ?? '').split(',').includes(service) && p.env.GANTRY_INSTANCE === instance && also(p));
}
