/**
 * bench:footprint's start times: from each service's spawn (its process's start time in /proc)
 * to the first sign the service gives of being ready, as the installation's own health checks
 * read them (apps/web's /health): Pure.
 *   git, builder, scheduler, drains  their heartbeat in Redis, { pid, at } (packages/live heartbeat)
 *   router                           its presence in the routers hash, { pid, at }
 *   agent                            its host's beat, { pid, at }, once it has reached Docker
 *   web                              the API answering GET /api/v1/health (any status)
 */

/** A sign of readiness: from a process (pid) or, for the API, from the service by name. */
export interface Signal {
  pid?: number;
  service?: string;
  at: number;
}

export interface Spawned {
  group: string;
  pid: number;
  startedAt: number;
}

export interface StartTime {
  group: string;
  /** After the supervisor's own start (ms). */
  spawnedAfterMs: number;
  /** From the spawn to the first signal of this process (ms); null: none seen. */
  readyMs: number | null;
}

export interface StartFigures {
  services: StartTime[];
  /** From the supervisor's start until the last service was ready (ms); null when one never was. */
  allReadyMs: number | null;
}

/** The first signal of each spawned service's own process (or its name), at or after its spawn. */
export function startTimes(supervisorStartedAt: number, spawned: Spawned[], signals: Signal[]): StartFigures {
  const services = spawned.map((s) => {
    const mine = signals.filter((sig) => (sig.pid === s.pid || sig.service === s.group) && sig.at >= s.startedAt).map((sig) => sig.at);
    return {
      group: s.group,
      spawnedAfterMs: Math.max(0, s.startedAt - supervisorStartedAt),
      readyMs: mine.length ? Math.min(...mine) - s.startedAt : null,
    };
  });
  const allReady = services.every((s) => s.readyMs !== null);
  const lastReady = Math.max(...services.map((s) => s.spawnedAfterMs + (s.readyMs ?? 0)));
  return { services, allReadyMs: allReady && services.length ? lastReady : null };
}

/** The time scripts/up.ts reports of itself ("Gantry is up (7.3s)"), ms: `npm run up` less npm, up.sh's checks and loading up.ts. */
export function upReportedMs(output: string): number | null {
  const m = /Gantry is up \((\d+(?:\.\d+)?)s\)/.exec(output);
  return m ? Math.round(Number(m[1]) * 1000) : null;
}
