/**
 * The agent's side of the scheduler's commands. Commands from a leader older than the current one
 * are refused (fencing), and every command is idempotent: the queue may deliver one twice.
 */
import type { AgentCommand, StartCommand, StopCommand } from '@gantry/jobs';
import { type AllocationStore, type Keys, publishEvent } from '@gantry/live';
import type { Logger } from '@gantry/log';
import type { Redis } from 'ioredis';
import type { DockerHost } from './docker-host';
import type { ImageFetcher } from './images';
import type { Instances } from './instances';
import type { Sidecars } from './sidecars';
import type { Tasks } from './tasks';

export interface CommandDeps {
  hostId: string;
  host: DockerHost;
  images: ImageFetcher;
  instances: Instances;
  /** Supervises the sidecars of instances that have some. */
  sidecars: Sidecars;
  tasks: Tasks;
  allocs: AllocationStore;
  redis: Redis;
  keys: Keys;
  log: Logger;
}

export async function handleCommand(deps: CommandDeps, cmd: AgentCommand): Promise<string> {
  // A task id runs once whoever sent it (its stream keeps the one result): no fencing needed.
  if (cmd.kind === 'task') return deps.tasks.start(cmd);
  const current = Number((await deps.redis.get(deps.keys.epoch)) ?? 0);
  if (cmd.epoch < current) {
    deps.log.warn(`refused ${cmd.kind} of ${cmd.allocId}: epoch ${cmd.epoch} is older than the leader's ${current}`);
    return 'refused: stale epoch';
  }
  return cmd.kind === 'start' ? start(deps, cmd) : stop(deps, cmd);
}

async function start(deps: CommandDeps, cmd: StartCommand): Promise<string> {
  if (deps.instances.tracked.has(cmd.allocId) || deps.instances.starting.has(cmd.allocId)) return 'already running';
  // The agent's reconcile must not adopt the container this creates before it is tracked: two
  // trackers of one instance would both report its states.
  deps.instances.starting.add(cmd.allocId);
  try {
    return await startTracked(deps, cmd);
  } finally {
    deps.instances.starting.delete(cmd.allocId);
  }
}

async function startTracked(deps: CommandDeps, cmd: StartCommand): Promise<string> {
  const alloc = await deps.allocs.get(cmd.allocId);
  if (!alloc || alloc.hostId !== deps.hostId || alloc.desired !== 'run') return 'allocation gone or not for this host';
  await deps.allocs.setState(cmd.allocId, { status: 'pending', since: Date.now(), message: 'fetching the image' });
  try {
    const how = await deps.images.ensure(cmd.spec.image);
    if (how === 'loaded') deps.log.info(`loaded image ${cmd.spec.image} for ${cmd.process}`);
  } catch (err) {
    await deps.allocs.setState(cmd.allocId, { status: 'crashed', since: Date.now(), exitCode: null, message: `could not get the image: ${(err as Error).message}` });
    throw err;
  }
  // After an agent restart the container may exist already: adopt it.
  const existing = (await deps.host.list()).find((c) => c.labels['gantry.alloc.id'] === cmd.allocId);
  if (!existing && cmd.spec.mounts?.length) await oneWriter(deps, cmd);
  const containerId = existing?.containerId ?? (await deps.host.start(cmd.spec)).containerId;
  const t = deps.instances.track({ ...cmd, exposesPort: cmd.spec.exposesPort }, containerId);
  // Right after its container started, before its checks: they may need a sidecar.
  await deps.sidecars.start(cmd, containerId);
  void deps.instances.watch(t).catch((err: Error) => deps.log.error(`watching ${cmd.process}: ${err.message}`));
  return existing ? 'adopted' : 'started';
}

/**
 * A volume takes one writer: any other container of this installation still using one of the
 * volumes (an instance the scheduler forgot while its host was cut off, say) is stopped first.
 * The scheduler already replaces such types stop-first; this holds it on the host itself.
 */
async function oneWriter(deps: CommandDeps, cmd: StartCommand): Promise<void> {
  for (const c of await deps.host.usersOf(cmd.spec.mounts!.map((m) => m.source))) {
    deps.log.warn(`${c.name} still uses a volume ${cmd.process} mounts: stopping it before ${cmd.process} starts (one writer per volume)`);
    if (deps.instances.tracked.has(c.labels['gantry.alloc.id'] ?? '')) await deps.instances.stop(c.labels['gantry.alloc.id']!, 30_000);
    else await deps.host.stop(c.containerId, 30_000);
  }
}

async function stop(deps: CommandDeps, cmd: StopCommand): Promise<string> {
  if (deps.instances.tracked.has(cmd.allocId)) {
    await deps.instances.stop(cmd.allocId, cmd.timeoutMs);
    return 'stopped';
  }
  // Not tracked (e.g. this agent restarted): stop any container of it anyway.
  for (const c of await deps.host.list()) {
    if (c.labels['gantry.alloc.id'] !== cmd.allocId) continue;
    const result = await deps.host.stop(c.containerId, cmd.timeoutMs);
    if (!result.removed) deps.log.warn(`${c.name} stopped, but its container stays for now (${result.why}); the reconcile removes it later`);
  }
  await deps.allocs.setState(cmd.allocId, { status: 'stopped', since: Date.now() });
  await publishEvent(deps.redis, deps.keys, { kind: 'state', appId: cmd.appId, allocId: cmd.allocId, status: 'stopped' });
  return 'stopped (untracked)';
}
