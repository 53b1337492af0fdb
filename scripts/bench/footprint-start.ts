/**
 * bench:footprint's start times: from each process's spawn (its start time in /proc) until every
 * service it runs (its parts, GANTRY_PARTS) gave its first sign of being ready, as the
 * installation's own health checks read them (apps/web's /health). Pure.
 *   git, builder, scheduler, drains  their heartbeat in Redis, { pid, at } (packages/live heartbeat)
 *   router                           its presence in the routers hash, { pid, at }
 *   agent                            its host's beat, { pid, at }, once it has reached Docker
 *   web                              the API answering GET /api/v1/health (any status; no pid)
 */

/** A sign of readiness of one service (`part`), from a process (pid) or, for the API, by name only. */
export interface Signal {
  part: string;
  pid?: number;
  at: number;
}

export interface Spawned {
  group: string;
  pid: number;
  startedAt: number;
  /** The services it runs ("agent-<host>" counts as "agent"). */
  parts: string[];
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

const partName = (p: string) => (p.startsWith('agent-') ? 'agent' : p);

/**
 * Per spawned process, when the last of its parts first signalled, at or after the spawn (a
 * signal with a pid counts only from that process: not a previous one's stale heartbeat).
 */
export function startTimes(supervisorStartedAt: number, spawned: Spawned[], signals: Signal[]): StartFigures {
  const services = spawned.map((s) => {
    const firsts = s.parts.map(partName).map((part) => {
      const mine = signals.filter((sig) => sig.part === part && (sig.pid === undefined || sig.pid === s.pid) && sig.at >= s.startedAt).map((sig) => sig.at);
      return mine.length ? Math.min(...mine) : null;
    });
    const ready = firsts.length && firsts.every((t) => t !== null) ? Math.max(...(firsts as number[])) : null;
    return {
      group: s.group,
      spawnedAfterMs: Math.max(0, s.startedAt - supervisorStartedAt),
      readyMs: ready === null ? null : ready - s.startedAt,
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
