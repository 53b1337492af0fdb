import type { Config } from '@gantry/config';
import type { Ctx } from '@gantry/control';
import type { AllocationStore, AppLogs, HostRegistry, Keys, RoutingTable } from '@gantry/live';
import type { EngineProbe, HostNetwork } from '@gantry/control';
import type { Redis } from 'ioredis';

/** Everything API handlers may use; built once in server.ts and passed to every handler. */
export interface ApiDeps {
  ctx: Ctx;
  config: Config;
  redis: Redis;
  /** Opens a dedicated connection for blocking reads (log follow). */
  blockingRedis: () => Redis;
  keys: Keys;
  allocs: AllocationStore;
  hosts: HostRegistry;
  probeEngine: EngineProbe;
  /** Joins added hosts to the private network, takes removed ones out. */
  network?: HostNetwork;
  /** Team networks (one-offs join theirs). */
  networks?: { forTeam(teamId: string): Promise<{ name: string; subnet: string }> };
  logs: AppLogs;
  routes: RoutingTable;
  log: (msg: string) => void;
}
