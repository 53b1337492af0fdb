/** Starting, finding and stopping gantryd (the supervisor of Gantry's services). */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '@gantry/config';
import { REPO_ROOT } from '@gantry/config';
import { LEAN_NODE_FLAGS, programArgv } from '@gantry/supervisor/programs';

export function supervisorPid(config: Config): number | null {
  const file = join(config.paths.run, 'gantryd.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/**
 * Starts gantryd detached (it outlives this process); its own log is GANTRY_HOME/logs/gantryd.log.
 * With `dist` (the production build, @gantry/supervisor/build), gantryd and every service run
 * compiled; without it, through tsx. With `memoryCgroup` (a directory of the v1 memory
 * hierarchy), gantryd and everything it starts run and are charged inside that cgroup.
 */
export function startSupervisor(config: Config, env: NodeJS.ProcessEnv, dist?: string, opts: { memoryCgroup?: string } = {}): number {
  mkdirSync(config.paths.logs, { recursive: true });
  const out = openSync(join(config.paths.logs, 'gantryd.log'), 'a');
  let [cmd, ...args] = programArgv(REPO_ROOT, 'supervisor', dist, LEAN_NODE_FLAGS);
  // In a (v1) memory cgroup from its first byte: the shell moves itself in, then becomes gantryd.
  if (opts.memoryCgroup) [cmd, ...args] = ['sh', '-c', 'echo $$ > "$0" && exec "$@"', join(opts.memoryCgroup, 'cgroup.procs'), cmd!, ...args];
  const child = spawn(cmd!, args, {
    cwd: REPO_ROOT,
    env: { ...env, GANTRY_DIST: dist ?? '' },
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  closeSync(out);
  return child.pid!;
}

/** SIGTERM to gantryd; resolves once it (and so every service) has exited. */
export async function stopSupervisor(config: Config, timeoutMs = 40_000): Promise<boolean> {
  const pid = supervisorPid(config);
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.kill(pid, 'SIGKILL');
  return true;
}

/** Polls the API's /health until every service is up; reports what is still missing. */
export async function waitHealthy(config: Config, timeoutMs: number, onWaiting: (missing: string[]) => void): Promise<void> {
  const url = `http://127.0.0.1:${config.GANTRY_API_PORT}/api/v1/health`;
  const deadline = Date.now() + timeoutMs;
  let missing: string[] = ['api'];
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      const body = (await res.json()) as { ok: boolean; services: Record<string, { ok: boolean }> };
      if (body.ok) return;
      missing = Object.entries(body.services).filter(([, s]) => !s.ok).map(([n]) => n);
    } catch {
      missing = ['api'];
    }
    onWaiting(missing);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Gantry did not become healthy within ${timeoutMs / 1000}s; still down: ${missing.join(', ')}. See ${config.paths.logs}/.`);
}
