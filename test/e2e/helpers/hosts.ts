/**
 * Taking a test's lab hosts out of the installation under test. Apps of earlier files that the
 * test did not create may have moved onto them (the local host was drained), so removing them at
 * once would be refused ("runs N instances. Drain it first") and leave a dead host registered,
 * which /health then reports for every file after. So: local takes instances again, the lab hosts
 * drain, and each is removed as soon as it runs none; only then may the lab stop.
 */
import type { GantryClient } from '@gantry/api-client';
import { waitFor } from './http';

export async function removeLabHosts(client: GantryClient, names: string[], timeoutMs = 120_000): Promise<void> {
  await client.undrainHost('local').catch(() => {});
  for (const name of names) await client.drainHost(name).catch(() => {});
  for (const name of names) {
    await waitFor(
      `lab host ${name} to be removed`,
      async () => {
        try {
          await client.removeHost(name);
          return true;
        } catch (err) {
          if ((err as { status?: number }).status === 404) return true;
          if ((err as { status?: number }).status === 409) return null;
          throw err;
        }
      },
      timeoutMs,
      500,
    );
  }
}
