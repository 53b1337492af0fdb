/**
 * Add-on kinds, as data: what each server needs (its process type, port, environment) and what an
 * attached app gets (<AS>_URL). Pure; the control plane provisions, the agent runs the image.
 *
 *   add-on postgres-shiny-1234 ──runs as── hidden app postgres-shiny-1234 (kind "addon")
 *        │                                   process postgres.1, image gantry/postgres:<digest>
 *        │                                   volume postgres-shiny-1234-data at /data
 *        └──attached to── app shop as DATABASE ──> shop's DATABASE_URL
 *                          app admin as DATABASE ──> admin's DATABASE_URL (shared)
 */
import { randomBytes, randomInt } from 'node:crypto';
import { InvalidInput } from './errors';
import { INTERNAL_DOMAIN } from './private-network';

export const ADDON_KINDS = ['postgres', 'redis'] as const;
export type AddonKind = (typeof ADDON_KINDS)[number];

/** Plans: the server's instance size (its memory limit) and the tuning its entrypoint applies (GANTRY_ADDON_PLAN). */
export const ADDON_PLANS = { small: 'basic', medium: 'standard-1x', large: 'standard-2x' } as const;
export type AddonPlan = keyof typeof ADDON_PLANS;
export const DEFAULT_ADDON_PLAN: AddonPlan = 'small';

/** Where the add-on's volume is mounted in its server. */
export const ADDON_DATA_PATH = '/data';

export interface AddonCredentials {
  user: string;
  password: string;
  database: string;
}

export interface AddonKindSpec {
  kind: AddonKind;
  /** The backing app's only process type (ps shows postgres.1). */
  processType: string;
  port: number;
  /** The attachment name when --as is not given: DATABASE -> DATABASE_URL. */
  defaultAs: string;
  scheme: string;
  /** The backing app's config: what the server's entrypoint reads, and what `pg:psql` / `redis:cli` one-offs use. */
  serverConfig(c: AddonCredentials, plan: AddonPlan, privateName: string): Record<string, string>;
  url(c: AddonCredentials, privateName: string): string;
  /** Run in the server's container: exit 0 once it answers (its env has its config). */
  readyCheck: string[];
}

const postgres: AddonKindSpec = {
  kind: 'postgres',
  processType: 'postgres',
  port: 5432,
  defaultAs: 'DATABASE',
  scheme: 'postgres',
  serverConfig: (c, plan, host) => ({
    POSTGRES_USER: c.user,
    POSTGRES_PASSWORD: c.password,
    POSTGRES_DB: c.database,
    GANTRY_ADDON_PLAN: plan,
    // For psql in `pg:psql` one-offs of the backing app (the server's entrypoint ignores them).
    PGHOST: host,
    PGPORT: '5432',
    PGUSER: c.user,
    PGPASSWORD: c.password,
    PGDATABASE: c.database,
  }),
  url: (c, host) => `postgres://${c.user}:${c.password}@${host}:5432/${c.database}`,
  readyCheck: ['pg_isready', '-q', '-h', '127.0.0.1', '-p', '5432'],
};

const redis: AddonKindSpec = {
  kind: 'redis',
  processType: 'redis',
  port: 6379,
  defaultAs: 'REDIS',
  scheme: 'redis',
  serverConfig: (c, plan) => ({ REDIS_PASSWORD: c.password, GANTRY_ADDON_PLAN: plan, REDISCLI_AUTH: c.password }),
  url: (c, host) => `redis://default:${c.password}@${host}:6379`,
  readyCheck: ['redis-cli', '-h', '127.0.0.1', 'ping'],
};

export const ADDON_KIND_SPECS: Record<AddonKind, AddonKindSpec> = { postgres, redis };

export function addonKindSpec(kind: string): AddonKindSpec {
  if (!(ADDON_KINDS as readonly string[]).includes(kind)) throw new InvalidInput(`Unknown add-on kind ${JSON.stringify(kind)}: choose one of ${ADDON_KINDS.join(', ')}.`, { field: 'kind' });
  return ADDON_KIND_SPECS[kind as AddonKind];
}

export function assertAddonPlan(plan: string): AddonPlan {
  if (!Object.hasOwn(ADDON_PLANS, plan)) throw new InvalidInput(`Unknown plan ${JSON.stringify(plan)}: choose one of ${Object.keys(ADDON_PLANS).join(', ')}.`, { field: 'plan' });
  return plan as AddonPlan;
}

/** DATABASE, HEROKU_POSTGRESQL_RED, CACHE: a config var name without its _URL. */
export function assertAttachmentName(name: string): string {
  if (!/^[A-Z][A-Z0-9_]{0,40}$/.test(name) || name.endsWith('_')) {
    throw new InvalidInput(`Invalid attachment name ${JSON.stringify(name)}: use capital letters, digits and underscores, starting with a letter (DATABASE gives DATABASE_URL).`, { field: 'as' });
  }
  return name;
}

export const configVarOf = (attachment: string) => `${attachment}_URL`;

/** postgres-shiny-1234: the add-on's name, its backing app's and its private name's first label. */
export function generateAddonName(kind: AddonKind): string {
  const words = ['amber', 'brisk', 'cobalt', 'dusky', 'ember', 'frosty', 'golden', 'hazel', 'ivory', 'jade', 'keen', 'lucid', 'mellow', 'noble', 'opal', 'proud', 'rosy', 'shiny', 'tawny', 'vivid'];
  return `${kind}-${words[randomInt(words.length)]}-${randomInt(1000, 10000)}`;
}

export function addonPrivateName(name: string): string {
  return `${name}.${INTERNAL_DOMAIN}`;
}

/** New credentials: random user and database names (as Heroku's), a 32-byte hex password (URL-safe as is). */
export function generateCredentials(): AddonCredentials {
  const hex = (n: number) => randomBytes(n).toString('hex');
  return { user: `u${hex(6)}`, password: hex(32), database: `d${hex(6)}` };
}

/** The volume holding an add-on's data. */
export const addonVolumeName = (addon: string) => `${addon}-data`;

/**
 * A high-availability Postgres add-on (addons:create postgres --ha): its backing app runs two
 * Patroni members and the etcd they elect their leader in, one instance each, each on its own
 * volume and on its own host (the scheduler keeps an HA add-on's types apart):
 *
 *   pg1.1 (host A) ──streams synchronously──▶ pg2.1 (host B)      leader key, /sync
 *        └────────────── Patroni ──────────────┴──▶ etcd.1 (host C) ◀── gantry-ha-status (control plane)
 *
 * `<addon>.internal` names the leader only, so DATABASE_URL follows a failover.
 */
export const HA_MEMBER_TYPES = ['pg1', 'pg2'] as const;
export const HA_DCS_TYPE = 'etcd';
/** Process types of an HA add-on's backing app -> their commands ('' = the image's CMD). */
export const HA_PROCESS_TYPES: Record<string, string> = { pg1: '', pg2: '', [HA_DCS_TYPE]: 'exec /usr/local/bin/gantry-etcd' };
/** The volume of one process type of an HA add-on (pg1's is the add-on's volume). */
export const haVolumeName = (addon: string, type: string) => (type === 'pg1' ? addonVolumeName(addon) : `${addon}-${type}-data`);

export interface HaSecrets {
  etcdPassword: string;
  replicationPassword: string;
  superuserPassword: string;
}

export function generateHaSecrets(): HaSecrets {
  const hex = () => randomBytes(32).toString('hex');
  return { etcdPassword: hex(), replicationPassword: hex(), superuserPassword: hex() };
}

/** What the members and the etcd of an HA add-on read besides the single server's config. */
export function haServerConfig(addon: string, s: HaSecrets): Record<string, string> {
  return {
    GANTRY_PG_HA_SCOPE: addon,
    GANTRY_PG_HA_ETCD: `${HA_DCS_TYPE}.${addon}.${INTERNAL_DOMAIN}:2379`,
    GANTRY_PG_HA_ETCD_PASSWORD: s.etcdPassword,
    GANTRY_PG_REPLICATION_PASSWORD: s.replicationPassword,
    GANTRY_PG_SUPERUSER_PASSWORD: s.superuserPassword,
  };
}

/** The cluster as its etcd holds it (what gantry-ha-status prints, run in the etcd container). */
export interface HaMember {
  /** Patroni's member name: the instance, "pg1.1". */
  name: string;
  role: string;
  state: string;
  host: string | null;
  timeline: number | null;
  lagBytes: number | null;
}
export interface HaStatus {
  leader: string | null;
  members: HaMember[];
  sync: string[];
}

/** Parses gantry-ha-status's one line of JSON; throws on anything else. */
export function parseHaStatus(text: string): HaStatus {
  const v = JSON.parse(text) as Partial<HaStatus>;
  if (typeof v !== 'object' || v === null || !Array.isArray(v.members)) throw new Error(`not an HA status: ${text.slice(0, 200)}`);
  return {
    leader: typeof v.leader === 'string' ? v.leader : null,
    members: v.members.map((m) => ({
      name: String(m.name),
      role: String(m.role ?? 'unknown'),
      state: String(m.state ?? 'unknown'),
      host: m.host ?? null,
      timeline: typeof m.timeline === 'number' ? m.timeline : null,
      lagBytes: typeof m.lagBytes === 'number' ? m.lagBytes : null,
    })),
    sync: Array.isArray(v.sync) ? v.sync.map(String) : [],
  };
}
