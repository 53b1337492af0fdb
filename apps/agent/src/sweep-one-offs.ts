/**
 * Removes one-offs (`gantry run` containers) of this host whose session is gone: the API process
 * relaying a session holds its lease (@gantry/live one-off-leases); when that process dies the
 * lease expires, and the container would otherwise run (and cost memory) for ever.
 *
 *   every 10 s: one-off containers older than the grace ──lease alive?──no, twice in a row──▶
 *               kill, remove, log line
 *
 * Twice in a row: after a Redis outage the lease of a live session may have expired; its API
 * renews it within 5 s, before the next sweep.
 */
import type { AppLogs, OneOffLeases } from '@gantry/live';
import type { Logger } from '@gantry/log';
import type { HostContainer } from './docker-host';

/** Younger containers are left alone: their API may still be taking the lease. */
export const ONE_OFF_GRACE_MS = 20_000;

export interface SweepDeps {
  host: { list(role: 'run'): Promise<HostContainer[]>; kill(containerId: string): Promise<void> };
  leases: Pick<OneOffLeases, 'alive'>;
  logs: Pick<AppLogs, 'append'>;
  log: Pick<Logger, 'info' | 'warn'>;
}

/** Returns the names of the one-offs it removed. */
export async function sweepOneOffs(deps: SweepDeps, suspects: Set<string>, now = Date.now(), graceMs = ONE_OFF_GRACE_MS): Promise<string[]> {
  const old = (await deps.host.list('run')).filter((c) => c.createdAt <= now - graceMs);
  const alive = old.length === 0 ? new Set<string>() : await deps.leases.alive(old.map((c) => c.name));
  const missing = new Set(old.filter((c) => !alive.has(c.name)).map((c) => c.name));
  const removed: string[] = [];
  for (const c of old) {
    if (!missing.has(c.name)) continue;
    if (!suspects.has(c.name)) continue; // first time without a lease: next sweep decides
    try {
      await deps.host.kill(c.containerId);
    } catch (err) {
      deps.log.warn(`removing one-off ${c.name}: ${(err as Error).message}`);
      continue;
    }
    removed.push(c.name);
    deps.log.info(`removed one-off ${c.name}: its session is gone`);
    const appId = c.labels['gantry.app.id'];
    const index = c.labels['gantry.process.index'];
    if (appId) {
      await deps.logs
        .append(appId, [{ source: 'gantry', process: `run.${index ?? '?'}`, line: 'Killed (session lost: the API relaying it stopped)' }])
        .catch(() => {});
    }
  }
  suspects.clear();
  for (const name of missing) if (!removed.includes(name)) suspects.add(name);
  return removed;
}
