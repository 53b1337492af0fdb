/**
 * What the forwarder should change: the drains it should run (from the database) against the
 * ones it runs. Pure. A sync may cover every app or just one (after a change on that app).
 */
export interface DrainSpec {
  id: string;
  appId: string;
  appName: string;
  url: string;
  token: string;
}

export interface DrainPlan {
  start: DrainSpec[];
  /** Ids of running drains to stop. */
  stop: string[];
}

export function planDrains(desired: readonly DrainSpec[], running: ReadonlyMap<string, DrainSpec>, onlyApp?: string): DrainPlan {
  const want = new Map(desired.filter((d) => onlyApp === undefined || d.appId === onlyApp).map((d) => [d.id, d]));
  const stop: string[] = [];
  for (const [id, spec] of running) {
    if (onlyApp !== undefined && spec.appId !== onlyApp) continue;
    const w = want.get(id);
    // Same id with another URL or token cannot happen today (drains are not edited), but restart if it does.
    if (!w || w.url !== spec.url || w.token !== spec.token) stop.push(id);
  }
  const start = [...want.values()].filter((d) => !running.has(d.id) || stop.includes(d.id));
  return { start, stop };
}
