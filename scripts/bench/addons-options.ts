/**
 * bench:addons' settings from the environment, checked once at start (a bad value fails before
 * anything starts):
 *   GANTRY_BENCH_DB_GB        size of the generated database in GB (default 1; above 0, up to 100)
 *   GANTRY_BENCH_ADDONS_ONLY  "storage" (provisioning, backup/restore, the check) or "lab" (move and
 *                             failover on three lab hosts); unset or "all": both, in one run
 * Pure.
 */
export interface AddonBenchOptions {
  /** The generated database's target size in bytes. */
  targetBytes: number;
  storage: boolean;
  lab: boolean;
}

const PARTS = ['all', 'storage', 'lab'] as const;

export function addonBenchOptions(env: Record<string, string | undefined>): AddonBenchOptions {
  const raw = env.GANTRY_BENCH_DB_GB ?? '1';
  const gb = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(gb) || gb <= 0 || gb > 100) {
    throw new Error(`GANTRY_BENCH_DB_GB must be a number of GB above 0 (up to 100), not ${JSON.stringify(raw)}`);
  }
  const only = env.GANTRY_BENCH_ADDONS_ONLY ?? 'all';
  if (!(PARTS as readonly string[]).includes(only)) {
    throw new Error(`GANTRY_BENCH_ADDONS_ONLY must be one of ${PARTS.join(', ')}, not ${JSON.stringify(only)}`);
  }
  return { targetBytes: gb * 1e9, storage: only !== 'lab', lab: only !== 'storage' };
}
