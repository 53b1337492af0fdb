/**
 * Runs the agent of every host the control plane manages (its Docker engine is reachable from
 * here): follows the hosts registry in Redis, starting an agent when a host is added and stopping
 * it when the host is removed.
 */
import type { Redis } from 'ioredis';
import { HostRegistry, type Keys } from '@gantry/live';
import type { Logger } from '@gantry/log';
import { agentService } from './services';
import type { Supervisor } from './supervisor';

export async function manageAgents(deps: { redis: Redis; sub: Redis; keys: Keys; supervisor: Supervisor; log: Logger }): Promise<() => void> {
  const registry = new HostRegistry(deps.redis, deps.keys);
  const sync = async () => {
    const wanted = new Set((await registry.all()).filter((h) => h.managed).map((h) => agentService(h.name).name));
    for (const h of await registry.all()) if (h.managed) deps.supervisor.add(agentService(h.name));
    for (const name of deps.supervisor.names()) if (name.startsWith('agent-') && !wanted.has(name)) deps.supervisor.remove(name);
  };
  const run = () => void sync().catch((err: Error) => deps.log.error(`agents: ${err.message}`));
  await deps.sub.subscribe(deps.keys.hostsChanged);
  deps.sub.on('message', (channel) => channel === deps.keys.hostsChanged && run());
  run();
  const timer = setInterval(run, 5000);
  return () => clearInterval(timer);
}
