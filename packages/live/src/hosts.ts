/**
 * The hosts registry as agents and the supervisor see it (a mirror of the hosts table), and each
 * host's heartbeat: written by its agent every couple of seconds, expiring when the agent stops.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys';

/** A host as the registry holds it (a mirror of the hosts table row, for agents and the supervisor). */
export interface HostRecord {
  id: string;
  name: string;
  dockerUrl: string;
  address: string;
  managed: boolean;
  /** TLS to a tcp:// engine (PEM); the client key is sealed with the installation secret (core's secretbox). */
  tls?: { ca: string; cert: string; keyEncrypted: string };
}

export interface HostUsage {
  /** Sum of the CPU use of Gantry's containers, in percent of one CPU. */
  cpuPercent: number;
  memoryBytes: number;
  containers: number;
}

export interface HostBeat {
  at: number;
  /** The agent reached its Docker engine on this beat. */
  dockerOk: boolean;
  /** When the agent last reached its Docker engine. */
  lastDockerOkAt?: number;
  dockerError?: string;
  pid: number;
  usage?: HostUsage;
  engine?: { id: string; version: string; cpus: number; memoryBytes: number };
}

/** A host is up while its agent beats and has reached its Docker engine within the grace period. */
export function hostIsUp(beat: HostBeat | null | undefined, now: number, graceMs: number): boolean {
  if (!beat) return false;
  return now - (beat.lastDockerOkAt ?? (beat.dockerOk ? beat.at : 0)) <= graceMs;
}

export class HostRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async put(h: HostRecord): Promise<void> {
    await this.redis.hset(this.keys.hosts, h.id, JSON.stringify(h));
    await this.redis.publish(this.keys.hostsChanged, h.id);
  }

  async remove(id: string): Promise<void> {
    await this.redis.multi().hdel(this.keys.hosts, id).del(this.keys.hostBeat(id)).exec();
    await this.redis.publish(this.keys.hostsChanged, id);
  }

  async all(): Promise<HostRecord[]> {
    return Object.values(await this.redis.hgetall(this.keys.hosts)).map((v) => JSON.parse(v) as HostRecord);
  }

  async byName(name: string): Promise<HostRecord | null> {
    return (await this.all()).find((h) => h.name === name) ?? null;
  }

  async beat(id: string, beat: HostBeat, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.hostBeat(id), JSON.stringify(beat), 'PX', ttlMs);
  }

  async beats(ids: string[]): Promise<Map<string, HostBeat>> {
    const out = new Map<string, HostBeat>();
    if (ids.length === 0) return out;
    const values = await this.redis.mget(...ids.map((id) => this.keys.hostBeat(id)));
    ids.forEach((id, i) => values[i] && out.set(id, JSON.parse(values[i]!) as HostBeat));
    return out;
  }
}
