/**
 * Acknowledged writes, for tests of data that must not be lost: a Writer (bench:addons' loop,
 * scripts/bench/addons-writer.ts) POSTs /write?id=N to an app (the pg-counter fixture commits one
 * row per id) one after another, and keeps every id the app acknowledged and when. After a
 * redeploy, a move or a failover, every acknowledged id must be in the database (the app's /ids).
 */
import type { GantryClient } from '@gantry/api-client';
import { call, writePause, Writer as AppWriter, type AppAddress } from '../../../scripts/bench/addons-writer';
import { gantry } from './gantry';
import { waitFor } from './http';

/** The app behind the router of the installation under test. */
const address = (app: string): AppAddress => ({ port: gantry().routerPort, host: `${app}.${gantry().appsDomain}` });

/** POSTs to the app through the router: its status and body (status 0 when it did not answer). */
export const post = (app: string, path: string, timeoutMs = 5000) => call(address(app), 'POST', path, timeoutMs);

/** bench:addons' writer loop, on an app of the installation under test. */
export class Writer extends AppWriter {
  constructor(app: string, start: number) {
    super(address(app), start);
  }
  /** The longest time without an acknowledged write (the write pause), in seconds. */
  pause(): number {
    return writePause(this.at) / 1000;
  }
}

/**
 * Destroys a volume in a test's clean-up, retried while a container still uses it (its app was
 * destroyed first; its instances are stopping). A volume left on `local` would make later files'
 * drains of `local` refuse (it holds data). Unknown volumes count as destroyed; gives up quietly.
 */
export async function destroyVolumeWhenFree(client: GantryClient, name: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `volume ${name} destroyed`,
    async () => {
      try {
        await client.destroyVolume(name, name);
        return true;
      } catch (err) {
        return (err as { status?: number }).status === 404 ? true : null;
      }
    },
    timeoutMs,
    1000,
  ).catch((err: Error) => console.warn(err.message));
}
