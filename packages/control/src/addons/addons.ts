/**
 * Add-on use cases: create (provision a server, then attach it), list, attach to another app of
 * the team, detach, rotate credentials, destroy (after a final backup). The server is a hidden
 * app (kind "addon") whose one process runs the kind's image on the add-on's volume; the
 * scheduler places it (constraints, placement report) and binds the volume to that host.
 *
 *   addons:create ─> records (backing app, volume, add-on, formation) ─> release v1 of the server
 *        ─> scheduler places it, binds the volume ─> agent starts it ─> ready check (pg_isready)
 *        ─> the app's release with DATABASE_URL (its release phase can migrate)
 *
 * --ha (Postgres): the backing app runs pg1, pg2 (Patroni members) and etcd, each with its own
 * volume, on three hosts (core's HA_PROCESS_TYPES); it is available once a leader is elected and
 * the other member streams to it synchronously (ha.ts reads that from the add-on's etcd).
 */
import {
  ADDON_DATA_PATH,
  ADDON_PLANS,
  Conflict,
  DEFAULT_ADDON_PLAN,
  InvalidInput,
  Unavailable,
  addonKindSpec,
  addonPrivateName,
  addonVolumeName,
  assertAddonPlan,
  assertAttachmentName,
  configVarOf,
  generateAddonName,
  generateCredentials,
  generateHaSecrets,
  HA_DCS_TYPE,
  HA_PROCESS_TYPES,
  haServerConfig,
  haVolumeName,
  type AddonCredentials,
  type AddonKind,
  type AddonPlan,
  type ConfigVars,
} from '@gantry/core';
import { Prisma, type App } from '@gantry/db';
import type { Constraint } from '@gantry/scheduler-core';
import { appFor, teamFor } from '../access';
import { audit } from '../audit';
import type { Actor, AddonPlatform, Ctx } from '../context';
import { parseConstraints } from '../formation';
import { changeConfig, createRelease } from '../releases';
import { ADDON_INCLUDE, addonFor, type AddonRow } from './access';
import type { AddonServerState } from './servers';

export function platformOf(ctx: Ctx): AddonPlatform {
  if (!ctx.addons) throw new Unavailable('Add-ons are not served by this process.');
  return ctx.addons;
}

/** An add-on with its server's live state and the host its data lives on (an HA add-on's: its leader's). */
export interface AddonSummary {
  addon: AddonRow;
  server: AddonServerState;
  host: string | null;
  lastBackup: Prisma.BackupGetPayload<object> | null;
  /** An HA add-on's cluster; null for a single server. */
  ha: HaSummary | null;
}

export interface HaSummary {
  leader: string | null;
  /** Each process type (pg1, pg2, etcd) with its volume's host and, for members, what Patroni says. */
  members: { type: string; name: string; host: string | null; volume: string; role: string; state: string; sync: boolean; lagBytes: number | null }[];
  /** When its etcd was last read, and why the last read failed (null: it worked). */
  readAt: number | null;
  error: string | null;
}

export async function summarize(ctx: Ctx, addon: AddonRow): Promise<AddonSummary> {
  const [server, host, lastBackup, ha] = await Promise.all([
    platformOf(ctx).servers.state(addon.appId),
    addon.volume.hostId ? ctx.db.host.findUnique({ where: { id: addon.volume.hostId }, select: { name: true } }) : null,
    ctx.db.backup.findFirst({ where: { addonName: addon.name }, orderBy: { number: 'desc' } }),
    addon.ha ? haSummary(ctx, addon.appId) : null,
  ]);
  return { addon, server, host: addon.ha ? server.host : (host?.name ?? null), lastBackup, ha };
}

async function haSummary(ctx: Ctx, appId: string): Promise<HaSummary> {
  const [record, volumes] = await Promise.all([platformOf(ctx).ha.get(appId), ctx.db.volume.findMany({ where: { appId }, orderBy: { processType: 'asc' } })]);
  const hosts = new Map((await ctx.db.host.findMany({ where: { id: { in: volumes.flatMap((v) => (v.hostId ? [v.hostId] : [])) } }, select: { id: true, name: true } })).map((h) => [h.id, h.name]));
  const status = record?.status ?? null;
  const members = Object.keys(HA_PROCESS_TYPES).map((type) => {
    const name = `${type}.1`;
    const v = volumes.find((x) => x.processType === type);
    const m = status?.members.find((x) => x.name === name);
    return {
      type,
      name,
      host: v?.hostId ? (hosts.get(v.hostId) ?? null) : null,
      volume: v?.name ?? '',
      role: type === HA_DCS_TYPE ? 'etcd' : (m?.role ?? 'unknown'),
      state: type === HA_DCS_TYPE ? (record?.error ? 'not answering' : record ? 'running' : 'unknown') : (m?.state ?? 'not in the cluster'),
      sync: status?.sync.includes(name) ?? false,
      lagBytes: m?.lagBytes ?? null,
    };
  });
  return { leader: status?.leader ?? null, members, readAt: record?.at || null, error: record?.error ?? null };
}

/** The credentials the server runs with (its backing app's config). */
export async function credentialsOf(ctx: Ctx, addon: { appId: string; kind: string }): Promise<AddonCredentials> {
  const app = await ctx.db.app.findUniqueOrThrow({ where: { id: addon.appId } });
  const c = app.config as ConfigVars;
  return addon.kind === 'postgres'
    ? { user: c.POSTGRES_USER ?? '', password: c.POSTGRES_PASSWORD ?? '', database: c.POSTGRES_DB ?? '' }
    : { user: 'default', password: c.REDIS_PASSWORD ?? '', database: '' };
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

async function assertAttachable(ctx: Ctx, app: App, as: string): Promise<void> {
  if (app.kind === 'addon') throw new InvalidInput(`${app.name} is an add-on's server: attach add-ons to apps.`);
  const taken = await ctx.db.addonAttachment.findUnique({ where: { appId_name: { appId: app.id, name: as } }, include: { addon: { select: { name: true } } } });
  if (taken) throw new Conflict(`${app.name} already has ${configVarOf(as)} from ${taken.addon.name}: choose another name with --as.`);
  if (Object.hasOwn(app.config as ConfigVars, configVarOf(as))) {
    throw new Conflict(`${app.name} already has a config var ${configVarOf(as)}: choose another name with --as, or unset it first (gantry config:unset ${configVarOf(as)} -a ${app.name}).`);
  }
}

export interface CreateAddonInput {
  kind: string;
  as?: string | undefined;
  plan?: string | undefined;
  /** "label=value" / "label!=value", as ps:constraints takes them (an HA add-on's members). */
  constraints?: string[] | undefined;
  /** Postgres only: two members with a synchronous standby and automatic failover (Patroni). */
  ha?: boolean | undefined;
}

/** An HA add-on needs a host per member and one for their etcd. */
export const HA_HOSTS = 3;

export interface AddonChange {
  addon: AddonSummary;
  releases: { app: string; version: number }[];
}

export async function createAddon(ctx: Ctx, actor: Actor, appName: string, input: CreateAddonInput): Promise<AddonChange> {
  const platform = platformOf(ctx);
  // Access first: a caller without it learns nothing, not even that their input was wrong.
  const app = await appFor(ctx, actor, appName, 'write');
  const spec = addonKindSpec(input.kind);
  const plan: AddonPlan = assertAddonPlan(input.plan ?? DEFAULT_ADDON_PLAN);
  const as = assertAttachmentName(input.as ?? spec.defaultAs);
  const constraints = parseConstraints(input.constraints ?? []);
  const ha = input.ha === true;
  if (ha && spec.kind !== 'postgres') throw new InvalidInput(`--ha is for postgres add-ons; ${spec.kind} has no high-availability mode here.`, { field: 'ha' });
  await assertAttachable(ctx, app, as);
  if (ha) {
    const hosts = await ctx.db.host.count({ where: { draining: false } });
    if (hosts < HA_HOSTS) {
      throw new InvalidInput(`--ha needs ${HA_HOSTS} hosts that are not draining (two Postgres members and their etcd, each on its own host, so the loss of any one host loses nothing); this installation has ${hosts}. Add hosts with gantry hosts:add.`, { field: 'ha' });
    }
  }
  const credentials = generateCredentials();
  const haSecrets = ha ? generateHaSecrets() : null;
  const serverConfig = (name: string) => ({ ...spec.serverConfig(credentials, plan, addonPrivateName(name)), ...(haSecrets ? haServerConfig(name, haSecrets) : {}) });
  // type -> [volume name, size, constraints]: one server, or an HA add-on's members and etcd.
  const types = (name: string): [string, string, string, Constraint[]][] =>
    ha
      ? Object.keys(HA_PROCESS_TYPES).map((t) => [t, haVolumeName(name, t), t === HA_DCS_TYPE ? ADDON_PLANS.small : ADDON_PLANS[plan], t === HA_DCS_TYPE ? [] : constraints])
      : [[spec.processType, addonVolumeName(name), ADDON_PLANS[plan], constraints]];

  let addon: AddonRow | null = null;
  for (let attempt = 0; attempt < 5 && !addon; attempt++) {
    const name = generateAddonName(spec.kind);
    try {
      addon = await ctx.db.$transaction(async (tx) => {
        const server = await tx.app.create({ data: { name, teamId: app.teamId, kind: 'addon', config: serverConfig(name) } });
        const volumeIds: string[] = [];
        for (const [type, volume, size, typeConstraints] of types(name)) {
          const v = await tx.volume.create({ data: { name: volume, teamId: app.teamId, hostId: null, appId: server.id, processType: type, mountPath: ADDON_DATA_PATH } });
          volumeIds.push(v.id);
          await tx.formationEntry.create({ data: { appId: server.id, type, quantity: 1, size, constraints: typeConstraints as unknown as Prisma.InputJsonValue, setByUser: true } });
        }
        return tx.addon.create({ data: { name, kind: spec.kind, plan, ha, teamId: app.teamId, appId: server.id, volumeId: volumeIds[0]! }, include: ADDON_INCLUDE });
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }
  if (!addon) throw new Conflict('Could not find a free add-on name; try again.');
  await audit(ctx, actor, app, 'addon.create', addon.name, { kind: spec.kind, plan, ha });
  await createRelease(ctx, {
    appId: addon.appId,
    description: `Provision ${spec.kind} (${plan}${ha ? ', HA' : ''})`,
    imageRef: await platform.imageRef(spec.kind),
    config: serverConfig(addon.name),
    processTypes: ha ? HA_PROCESS_TYPES : { [spec.processType]: '' },
    healthChecks: {},
    userId: actor.userId,
  });
  await waitAvailable(ctx, addon, ha ? platform.readyTimeoutMs * 2 : platform.readyTimeoutMs);
  const release = await attachRelease(ctx, actor, addon, app, as);
  return { addon: await summarize(ctx, await reload(ctx, addon.name)), releases: release ? [release] : [] };
}

async function reload(ctx: Ctx, name: string): Promise<AddonRow> {
  return ctx.db.addon.findUniqueOrThrow({ where: { name }, include: ADDON_INCLUDE });
}

/**
 * Waits until the server is placed, healthy and answers its kind's ready check; an HA add-on's
 * once a leader is elected (the server is the leader's) and a member streams to it synchronously.
 */
export async function waitAvailable(ctx: Ctx, addon: { name: string; kind: string; appId: string; ha?: boolean }, timeoutMs = platformOf(ctx).readyTimeoutMs, releaseId?: string): Promise<void> {
  const { servers, ha } = platformOf(ctx);
  const spec = addonKindSpec(addon.kind);
  const deadline = Date.now() + timeoutMs;
  let last = 'not placed yet';
  while (Date.now() < deadline) {
    if (addon.ha) {
      const cluster = (await ha.get(addon.appId))?.status;
      if (!cluster?.leader || cluster.sync.length === 0) {
        last = !cluster ? 'its etcd not read yet' : !cluster.leader ? 'no leader elected yet' : `leader ${cluster.leader} elected, no synchronous standby yet`;
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
    }
    const s = await servers.state(addon.appId);
    last = `${s.status}${s.message ? `: ${s.message}` : ''}${s.host ? ` on ${s.host}` : ''}`;
    if (s.status === 'healthy' && (!releaseId || s.releaseId === releaseId)) {
      const r = await servers.exec(addon.appId, spec.readyCheck).catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }));
      if (r.exitCode === 0) return;
      last = `running, not answering yet (${(r.stderr || r.stdout).trim().slice(0, 200) || `exit ${r.exitCode}`})`;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Unavailable(
    `${addon.name} did not become available within ${Math.round(timeoutMs / 1000)} s (last: ${last}). It keeps trying: see gantry ps -a ${addon.name} and gantry logs -a ${addon.name}, or remove it with gantry addons:destroy ${addon.name} --confirm ${addon.name}.`,
  );
}

async function attachRelease(ctx: Ctx, actor: Actor, addon: AddonRow, app: App, as: string): Promise<{ app: string; version: number } | null> {
  const spec = addonKindSpec(addon.kind);
  const url = spec.url(await credentialsOf(ctx, addon), addonPrivateName(addon.name));
  try {
    await ctx.db.addonAttachment.create({ data: { addonId: addon.id, appId: app.id, name: as } });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`${addon.name} is already attached to ${app.name}, or ${app.name} has another ${configVarOf(as)}.`);
    throw err;
  }
  const release = await changeConfig(ctx, actor, app, { [configVarOf(as)]: url }, `Attach ${as} (${addon.name})`);
  await audit(ctx, actor, app, 'addon.attach', addon.name, { as });
  return release ? { app: app.name, version: release.version } : null;
}

/** Every add-on of the actor's teams. */
export async function listAddons(ctx: Ctx, actor: Actor): Promise<AddonSummary[]> {
  const rows = await ctx.db.addon.findMany({ where: { team: { memberships: { some: { userId: actor.userId } } } }, include: ADDON_INCLUDE, orderBy: { createdAt: 'asc' } });
  return Promise.all(rows.map((a) => summarize(ctx, a)));
}

/** The add-ons attached to an app. */
export async function listAppAddons(ctx: Ctx, actor: Actor, appName: string): Promise<AddonSummary[]> {
  const app = await appFor(ctx, actor, appName, 'read');
  const rows = await ctx.db.addon.findMany({ where: { attachments: { some: { appId: app.id } } }, include: ADDON_INCLUDE, orderBy: { createdAt: 'asc' } });
  return Promise.all(rows.map((a) => summarize(ctx, a)));
}

export async function getAddon(ctx: Ctx, actor: Actor, name: string): Promise<AddonSummary> {
  return summarize(ctx, await addonFor(ctx, actor, name, 'read'));
}

/** addons:attach NAME -a OTHER_APP [--as NAME]: the same server, shared by apps of its team. */
export async function attachAddon(ctx: Ctx, actor: Actor, name: string, appName: string, asInput?: string): Promise<AddonChange> {
  const addon = await addonFor(ctx, actor, name, 'write');
  const app = await appFor(ctx, actor, appName, 'write');
  if (app.teamId !== addon.teamId) throw new Conflict(`${addon.name} belongs to the team ${addon.team.name}; ${app.name} is in another team. Add-ons are shared only within their team.`);
  const as = assertAttachmentName(asInput ?? addonKindSpec(addon.kind).defaultAs);
  await assertAttachable(ctx, app, as);
  const release = await attachRelease(ctx, actor, addon, app, as);
  return { addon: await summarize(ctx, await reload(ctx, name)), releases: release ? [release] : [] };
}

export async function detachAddon(ctx: Ctx, actor: Actor, name: string, appName: string): Promise<AddonChange> {
  const addon = await addonFor(ctx, actor, name, 'write');
  const app = await appFor(ctx, actor, appName, 'write');
  const attachment = addon.attachments.find((a) => a.appId === app.id);
  if (!attachment) throw new Conflict(`${addon.name} is not attached to ${app.name}.`);
  await ctx.db.addonAttachment.delete({ where: { id: attachment.id } });
  const release = await changeConfig(ctx, actor, app, { [configVarOf(attachment.name)]: null }, `Detach ${attachment.name} (${addon.name})`);
  await audit(ctx, actor, app, 'addon.detach', addon.name, { as: attachment.name });
  return { addon: await summarize(ctx, await reload(ctx, name)), releases: release ? [{ app: app.name, version: release.version }] : [] };
}

/**
 * pg:credentials:rotate: a new password, set live in the server, then carried by a release of the
 * server (its entrypoint sets it again on every start) and of every attached app.
 */
export async function rotateCredentials(ctx: Ctx, actor: Actor, name: string): Promise<AddonChange> {
  const addon = await addonFor(ctx, actor, name, 'write');
  const spec = addonKindSpec(addon.kind);
  const old = await credentialsOf(ctx, addon);
  const fresh: AddonCredentials = { ...old, password: generateCredentials().password };
  const { servers } = platformOf(ctx);
  // The password is generated hex (never user input): safe inside the statement.
  const argv =
    addon.kind === 'postgres'
      ? ['psql', '-h', '127.0.0.1', '-U', old.user, '-d', old.database, '-v', 'ON_ERROR_STOP=1', '-c', `ALTER ROLE "${old.user}" PASSWORD '${fresh.password}'`]
      : ['redis-cli', '-h', '127.0.0.1', 'CONFIG', 'SET', 'requirepass', fresh.password];
  const r = await servers.exec(addon.appId, argv, { env: addon.kind === 'postgres' ? { PGPASSWORD: old.password } : { REDISCLI_AUTH: old.password } });
  if (r.exitCode !== 0 || (addon.kind === 'redis' && !r.stdout.includes('OK'))) throw new Unavailable(`Could not set the new password in ${addon.name}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  const server = await ctx.db.app.findUniqueOrThrow({ where: { id: addon.appId } });
  const serverRelease = await changeConfig(ctx, actor, server, spec.serverConfig(fresh, addon.plan as AddonPlan, addonPrivateName(addon.name)), 'Rotate credentials');
  // The server restarts with the new password in its environment (it sets it again at every
  // start); the apps' releases (and their release phases) come once it answers again.
  if (serverRelease) await waitAvailable(ctx, addon, undefined, serverRelease.id);
  const releases: { app: string; version: number }[] = [];
  for (const a of addon.attachments) {
    const app = await ctx.db.app.findUniqueOrThrow({ where: { id: a.appId } });
    const release = await changeConfig(ctx, actor, app, { [configVarOf(a.name)]: spec.url(fresh, addonPrivateName(addon.name)) }, `Rotate ${a.name} credentials (${addon.name})`);
    if (release) releases.push({ app: app.name, version: release.version });
  }
  await audit(ctx, actor, { id: addon.appId, teamId: addon.teamId }, 'addon.credentials.rotate', addon.name);
  return { addon: await summarize(ctx, await reload(ctx, name)), releases };
}

