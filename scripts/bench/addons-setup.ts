/**
 * bench:addons' installation: an isolated Gantry (instance "bench-addons", its own database, Redis
 * keys, ports and backup store), a bench user with one app, and an in-process use-case context
 * wired as the API wires its own (addonPlatform), for what the API does not expose on its own
 * (a scheduled backup and its check, the server's container for plain pg_dump / pg_restore).
 * Everything is taken down at the end, on failure and on SIGINT/SIGTERM too: what a section
 * registered with `onCleanup` (the lab of addons-lab.ts), newest first, then the isolated Gantry
 * (its containers, volumes and networks, the add-ons' too), its backup store and the bench's files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GantryClient } from '@gantry/api-client';
import type { Config } from '@gantry/config';
import { addonPlatform, type AddonPlatform, type Ctx } from '@gantry/control';
import { connectDb } from '@gantry/db';
import { startIsolatedGantry } from '@gantry/installer';
import { connectRedis, HostRegistry, keysFor } from '@gantry/live';
import { benchUser, cleanUpOnSignal } from './common';

export const INSTANCE = 'bench-addons';
const PORT_BASE = 46_000;
const APP = 'abench-app';

export interface AddonBench {
  config: Config;
  /** An admin of the installation (hosts:add for the lab), and its token (git pushes). */
  client: GantryClient;
  token: string;
  /** The app add-ons are attached to. */
  app: string;
  /** Use cases in this process, on the installation's database, Redis and engine. */
  ctx: Ctx & { addons: AddonPlatform };
  /** Scratch directory of this run (plain dumps go here). */
  work: string;
  /** A clean-up step run before the installation stops (newest first), on failure and SIGINT too. */
  onCleanup(what: string, op: () => Promise<unknown>): void;
}

const step = (msg: string) => console.log(msg);

export async function withAddonBench<T>(fn: (bench: AddonBench) => Promise<T>): Promise<T> {
  step(`Starting an isolated Gantry (instance "${INSTANCE}")...`);
  const gantry = await startIsolatedGantry(INSTANCE, PORT_BASE);
  const { config } = gantry;
  const db = connectDb(config.DATABASE_URL, { max: 4 });
  const redis = connectRedis(config.REDIS_URL, 'bench-addons');
  const work = await mkdtemp(join(tmpdir(), 'gantry-bench-addons-'));

  const attempt = async (what: string, op: () => Promise<unknown>) => {
    await op().catch((err: unknown) => console.error(`  cleanup: ${what} failed: ${err instanceof Error ? err.message : err}`));
  };
  const sections: [string, () => Promise<unknown>][] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      step(`Cleaning up (${[...sections.map(([what]) => what), 'isolated Gantry with its add-ons, backup store, plain dumps'].join('; ')})...`);
      for (const [what, op] of sections.reverse()) await attempt(what, op);
      // No addons:destroy of the big database: its final backup would copy it once more. The
      // installation's stop removes its containers and volumes, the add-ons' included.
      await attempt('disconnecting', async () => {
        await db.$disconnect();
        redis.disconnect();
      });
      await attempt('stopping the isolated Gantry', () => gantry.stop());
      await attempt('removing the backup store', () => rm(config.paths.backups, { recursive: true, force: true }));
      await attempt('removing the plain dumps', () => rm(work, { recursive: true, force: true }));
    })());
  const offSignals = cleanUpOnSignal(cleanup);

  try {
    const keys = keysFor(config.GANTRY_INSTANCE);
    const addons = addonPlatform({ db, redis, keys, hosts: new HostRegistry(redis, keys) }, config);
    const ctx = { db, queues: { add: async () => '' }, imageRepoPrefix: `gantry-${config.GANTRY_INSTANCE}`, addons };
    const { client, token } = await benchUser(config, true);
    await client.createApp(APP);
    const onCleanup = (what: string, op: () => Promise<unknown>) => void sections.push([what, op]);
    return await fn({ config, client, token, app: APP, ctx, work, onCleanup });
  } finally {
    await cleanup();
    offSignals();
  }
}
