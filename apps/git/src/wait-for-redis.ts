/**
 * A push that meets a Redis outage waits for it, saying so, instead of hanging silently: the
 * push lock, the build queue and the build output all live in Redis.
 *
 *   ping ok? ──yes──> go on
 *      └─no──> "Gantry cannot reach Redis; waiting (N s)…" every noticeEveryMs ──> ping again
 *              ...until maxWaitMs: give up (the caller refuses the push, nothing deployed)
 */
export interface WaitOptions {
  /** Give up after this long. */
  maxWaitMs: number;
  /** Say we are still waiting this often. */
  noticeEveryMs?: number;
  /** Pause between attempts. */
  retryEveryMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const waitingLine = (seconds: number) => `Gantry cannot reach Redis; waiting (${seconds} s)…`;

/** Resolves true once `ping` succeeds, false when maxWaitMs passed without it; `say` gets the notices. */
export async function waitForRedis(ping: () => Promise<unknown>, say: (line: string) => void, opts: WaitOptions): Promise<boolean> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const noticeEvery = opts.noticeEveryMs ?? 5000;
  const retryEvery = opts.retryEveryMs ?? 1000;
  const start = now();
  let lastNotice = -Infinity;
  for (;;) {
    try {
      await ping();
      return true;
    } catch {
      // An outage (or a deadline): keep waiting until maxWaitMs.
    }
    const waited = now() - start;
    if (waited >= opts.maxWaitMs) return false;
    if (waited - lastNotice >= noticeEvery) {
      lastNotice = waited;
      say(waitingLine(Math.round(waited / 1000)));
    }
    await sleep(Math.min(retryEvery, opts.maxWaitMs - waited));
  }
}
