import type { Db } from '@gantry/db';
import type { JobQueues } from '@gantry/jobs';
import type { AddonHaStore, HostRecord } from '@gantry/live';
import type { AddonKind } from '@gantry/core';
import type { LoginLimiter } from './login-limit';
import type { AddonServers } from './addons/servers';
import type { ScratchServers } from './addons/scratch';
import type { VolumeCopier } from './volume-move/copier';
import type { PgStandbys } from './volume-move/pg-standby';


/** A host as the Redis registry holds it for agents and the supervisor: declared once, by live. */
export type { HostRecord } from '@gantry/live';

/** Tells the running system about a change at once (instead of at its next sweep). */
export interface LiveNotifier {
  /** The app's desired state changed (formation, constraints...): the scheduler re-plans it. */
  wake(appId: string, why: string): Promise<void>;
  /** A host was added, changed or removed: agents' registry and the scheduler follow. */
  hostChanged(host: HostRecord | { removed: string }): Promise<void>;
  /** The app's certificates changed: routers get the new set. */
  certsChanged?(appId: string): Promise<void>;
}

/** Dependencies of every use case, passed in by the edge that calls it (API, git service, jobs). */
export interface Ctx {
  db: Db;
  queues: Pick<JobQueues, 'add'>;
  live?: LiveNotifier;
  /** Platform events into the app's log stream (source "gantry", process "api"). */
  events?: { append(appId: string, line: string): Promise<void> };
  /** Docker image repository prefix of this installation, e.g. "gantry-main". */
  imageRepoPrefix: string;
  now?: () => Date;
  /** Counts failed logins per email and client IP (login-limit.ts); none: no limit. */
  loginLimiter?: LoginLimiter;
  /** Add-ons' servers, images and backup store (addons/); absent where add-ons are not served. */
  addons?: AddonPlatform;
}

export interface AddonPlatform {
  servers: AddonServers;
  /** Throw-away servers on the control plane's own engine, where backups are restored to check them. */
  scratch: ScratchServers;
  /** Copies volumes' data host to host (volumes:move, addons:move, hosts:drain --move). */
  copier: VolumeCopier;
  /** Standby servers on another host while a Postgres add-on moves by streaming replication. */
  standbys: PgStandbys;
  /** HA add-ons' Patroni clusters as their etcd last said (the scheduler's HA watcher keeps them). */
  ha: AddonHaStore;
  /** The server image of a kind (gantry/postgres:<digest>), built by `npm run up`. */
  imageRef(kind: AddonKind): Promise<string>;
  /** Where backups are kept (off the add-ons' hosts): <dir>/<addon>/<number>-<id>.<ext>. */
  backupDir: string;
  /** How long addons:create waits for a new server to answer. */
  readyTimeoutMs: number;
  /** The installation's name (Docker volume names carry it). */
  installation: string;
}

/** Who is acting: resolved from a token or session by the edge. */
export interface Actor {
  userId: string;
  email: string;
  isAdmin: boolean;
  /** The token used, when the actor authenticated with one (logout revokes it). */
  tokenId?: string;
}

export const now = (ctx: Ctx): Date => (ctx.now ? ctx.now() : new Date());
