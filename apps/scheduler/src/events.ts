/**
 * Reactions to Docker's container events, so routing follows reality within moments instead of
 * waiting for the next reconcile pass: a dying instance leaves the route at once; one that Docker
 * restarted is health-checked and put back.
 */
import type { Logger } from '@gantry/log';
import type { DockerHost } from './docker-host';
import type { Runtime } from './runtime';

export async function followEvents(host: DockerHost, runtime: Runtime, log: Logger, onRestarted: (appId: string) => void): Promise<() => void> {
  const { instances } = runtime.deps;
  return host.events((e) => {
    const appId = e.labels['gantry.app.id'];
    const appName = e.labels['gantry.app'];
    if (!appId || !appName) return;
    void (async () => {
      const records = await instances.list(appId);
      const rec = records.find((r) => r.containerId === e.containerId);
      if (!rec || rec.state === 'stopping' || rec.state === 'starting') return; // deploys handle their own
      const process = `${rec.type}.${rec.index}`;
      if (e.action === 'die') {
        await instances.put({ ...rec, state: 'crashed', exitCode: e.exitCode ?? null, message: `exited with code ${e.exitCode ?? '?'}` });
        await runtime.publishRoute({ id: appId, name: appName });
        await runtime.event(appId, `Process ${process} exited with code ${e.exitCode ?? '?'}; State changed from up to crashed`, process);
        log.warn(`${appName} ${process} exited with code ${e.exitCode ?? '?'}`);
      } else if (e.action === 'start' && rec.state === 'crashed') {
        await instances.put({ ...rec, state: 'starting', routed: true });
        runtime.ship(rec, Date.now() - 1000);
        onRestarted(appId);
      }
    })().catch((err: Error) => log.error(`event ${e.action} of ${e.containerId.slice(0, 12)}: ${err.message}`));
  });
}
