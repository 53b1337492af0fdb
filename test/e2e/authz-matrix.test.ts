/**
 * The authorization matrix: every API route, called with a valid request by each role of a team
 * (owner, admin, member, viewer), by a user of another team and without a token, gets the answer
 * the route's need allows, and nothing of the app (name, config values, log lines, metrics,
 * instances) reaches the outsider.
 *
 *   registered routes (apiRouter().list()) ──> ROWS (one per route: need + a valid request)
 *        └─ a route without a row fails "has a row for every registered route"
 *   for each row, denied callers first (so state is intact), destructive rows last:
 *        anon ─> 401 · outsider ─> 403/404, error body only · viewer/member/admin/owner ─> by need
 *
 * Needs: public (anyone), user (any token), read (viewer+), write (member+), admin (admin+,
 * destructive: rename/destroy, on throwaway apps), gantry-admin (User.isAdmin, no team role),
 * read-or-gantry-admin (placement explanations: viewer+ or a Gantry admin).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_OPTIONS_HEADER, RUN_UPGRADE, encodeRunOptions, type AppMetricsView, type InstanceView, type LogLineView, type ReleaseView } from '@gantry/api-client';
import { issueToken } from '@gantry/control';
import { apiRouter } from '../../apps/web/src/api/index';
import { gantry, newUser, testDb, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { appGet, waitFor } from './helpers/http';
import { selfSigned } from './helpers/certs';

type Role = 'owner' | 'admin' | 'member' | 'viewer';
type ActorName = 'anon' | 'outsider' | Role | 'gantryAdmin';
type Need = 'public' | 'user' | 'read' | 'write' | 'admin' | 'gantry-admin' | 'read-or-gantry-admin';

interface Call {
  path: string;
  body?: unknown;
  /** Replaces the actor's token (routes that revoke the token they are called with). */
  token?: string;
}

interface Row {
  /** As registered: "GET /apps/:app". */
  route: string;
  need: Need;
  /** A valid request for this actor (fresh objects per actor where the route creates or removes one). */
  call: (actor: ActorName) => Call | Promise<Call>;
  /** Rename/destroy: run after every other row, each on its own throwaway app. */
  destructive?: boolean;
  /** Besides 2xx, what an allowed caller may get, and why. */
  alsoAllowed?: { status: number; body: RegExp; why: string };
  /**
   * What the route is about: an app (default) or a team named in the path, whose name a refusal
   * may echo; or nothing of the team ('none': lists, account, hosts), where the outsider's answer
   * must not name the team or its app at all.
   */
  scope?: 'app' | 'team' | 'none';
}

const ROLES: Role[] = ['viewer', 'member', 'admin', 'owner'];
/** Denied callers first, so what an allowed caller does cannot change what they see. */
const ORDER: ActorName[] = ['anon', 'outsider', 'gantryAdmin', ...ROLES];
const GRANTS: Record<Role, Need[]> = {
  viewer: ['read'],
  member: ['read', 'write'],
  admin: ['read', 'write', 'admin'],
  owner: ['read', 'write', 'admin'],
};

function allowed(need: Need, a: ActorName): boolean {
  if (need === 'public') return true;
  if (a === 'anon') return false;
  if (need === 'user') return true;
  if (need === 'gantry-admin') return a === 'gantryAdmin';
  if (need === 'read-or-gantry-admin') {
    if (a === 'gantryAdmin') return true;
    need = 'read';
  }
  if (a === 'outsider' || a === 'gantryAdmin') return false;
  return GRANTS[a].includes(need);
}

/** Which actors a row is called by: the gantry admin only where being one matters. */
function actorsOf(row: Row): ActorName[] {
  return ORDER.filter((a) => a !== 'gantryAdmin' || row.need === 'gantry-admin' || row.need === 'read-or-gantry-admin' || row.need === 'user' || row.need === 'public');
}

// ---- the world the matrix runs in (filled by beforeAll) ----
const users = {} as Record<Exclude<ActorName, 'anon'>, TestUser>;
/** Owns the teams the accept row joins; none of the actors. */
let inviter: TestUser;
let teamId = '';
let teamName = '';
let app = '';
let appId = '';
let version = 0;
let buildNumber = 0;
let customDomain = '';
let hostName = '';
const secret = `s3cr3t-${uniqueName('v')}`;
const logMarker = `/mx-probe-${uniqueName('p')}`;
/** Strings of the app the outsider must never see (the name is checked apart: it may be echoed). */
const markers: string[] = [secret, logMarker];
const hostsToRemove: string[] = [];
const enc = encodeURIComponent;

/** The acting user, or none for anon. */
const userOf = (a: ActorName): TestUser | undefined => (a === 'anon' ? undefined : users[a]);

/** A new app of the team, made by its owner. */
async function teamApp(prefix = 'mx-tmp'): Promise<string> {
  const name = uniqueName(prefix);
  await users.owner.client.request('POST', '/apps', { name, team: teamName });
  return name;
}

/** The use cases' context, as newUser builds it. */
const useCaseCtx = () => ({ db: testDb(), queues: { add: async () => '' }, imageRepoPrefix: `gantry-${gantry().instance}` });

/** A new token of the actor's user (for routes that revoke the token they are called with). */
async function freshToken(a: ActorName): Promise<string | undefined> {
  const u = userOf(a);
  return u ? (await issueToken(useCaseCtx(), u.id, 'matrix')).token : undefined;
}

const creds = (a: ActorName) => {
  const u = userOf(a) ?? users.owner;
  return { email: u.email, password: u.password };
};

/** A new user in the team as a viewer (someone to promote or remove). */
async function teamMember(): Promise<string> {
  const u = await newUser('mx-extra');
  await testDb().membership.create({ data: { teamId, userId: u.id, role: 'viewer' } });
  return u.email;
}

/** A link invitation (role member) to `team`, made by its owner `by`. */
async function invitation(team: string, by: TestUser = users.owner): Promise<{ id: string; token: string }> {
  return by.client.request<{ id: string; token: string }>('POST', `/teams/${team}/invitations`, { role: 'member' });
}

/** A link to a new team of a user who is none of the actors: any caller may join it. */
async function joinLink(): Promise<string> {
  const name = uniqueName('mx-join');
  await testDb().team.create({ data: { name, memberships: { create: [{ userId: inviter.id, role: 'owner' }] } } });
  return (await invitation(name, inviter)).token;
}

const ROWS: Row[] = [
  // ---- platform and session ----
  { route: 'GET /health', need: 'public', call: () => ({ path: '/health' }), alsoAllowed: { status: 503, body: /"services"/, why: 'a part of Gantry is down: still an answer to anyone' }, scope: 'none' },
  { route: 'GET /openapi.yaml', need: 'public', call: () => ({ path: '/openapi.yaml' }), scope: 'none' },
  { route: 'POST /auth/login', need: 'public', call: (a) => ({ path: '/auth/login', body: { ...creds(a), tokenName: 'matrix' } }), scope: 'none' },
  { route: 'POST /auth/session', need: 'public', call: (a) => ({ path: '/auth/session', body: creds(a) }), scope: 'none' },
  { route: 'DELETE /auth/session', need: 'public', call: async (a) => ({ path: '/auth/session', token: await freshToken(a) }), scope: 'none' },
  { route: 'POST /auth/logout', need: 'user', call: async (a) => ({ path: '/auth/logout', token: await freshToken(a) }), scope: 'none' },
  { route: 'GET /me', need: 'user', call: () => ({ path: '/me' }), scope: 'none' },

  // ---- apps ----
  { route: 'GET /apps', need: 'user', call: () => ({ path: '/apps' }), scope: 'none' },
  { route: 'POST /apps', need: 'user', call: () => ({ path: '/apps', body: { name: uniqueName('mx-own') } }), scope: 'none' },
  { route: 'GET /apps/:app', need: 'read', call: () => ({ path: `/apps/${app}` }) },
  { route: 'PATCH /apps/:app', need: 'admin', destructive: true, call: async () => ({ path: `/apps/${await teamApp()}`, body: { name: uniqueName('mx-renamed') } }) },
  { route: 'DELETE /apps/:app', need: 'admin', destructive: true, call: async () => ({ path: `/apps/${await teamApp()}` }) },
  { route: 'GET /dashboard/apps', need: 'user', call: () => ({ path: '/dashboard/apps' }), scope: 'none' },
  { route: 'GET /dashboard/apps/:app', need: 'read', call: () => ({ path: `/dashboard/apps/${app}` }) },

  // ---- config, releases, builds ----
  // Values hold secrets: members and up (Heroku's "view" does not include config values).
  { route: 'GET /apps/:app/config', need: 'write', call: () => ({ path: `/apps/${app}/config` }) },
  { route: 'PATCH /apps/:app/config', need: 'write', call: (a) => ({ path: `/apps/${app}/config`, body: { vars: { [`MATRIX_${a.toUpperCase()}`]: '1' } } }) },
  { route: 'GET /apps/:app/releases', need: 'read', call: () => ({ path: `/apps/${app}/releases` }) },
  { route: 'GET /apps/:app/releases/:version', need: 'read', call: () => ({ path: `/apps/${app}/releases/${version}` }) },
  { route: 'POST /apps/:app/releases/:version/rollback', need: 'write', call: () => ({ path: `/apps/${app}/releases/${version}/rollback` }) },
  { route: 'GET /apps/:app/releases/:version/output', need: 'read', call: () => ({ path: `/apps/${app}/releases/${version}/output` }) },
  { route: 'PUT /apps/:app/release-timeout', need: 'write', call: () => ({ path: `/apps/${app}/release-timeout`, body: { seconds: 1800 } }) },
  // Once a year: the jobs never run during the test.
  { route: 'GET /apps/:app/cron', need: 'read', call: () => ({ path: `/apps/${app}/cron` }) },
  { route: 'POST /apps/:app/cron', need: 'write', call: (a) => ({ path: `/apps/${app}/cron`, body: { schedule: '0 0 1 1 *', command: `echo ${a}` } }) },
  { route: 'GET /apps/:app/cron/runs', need: 'read', call: () => ({ path: `/apps/${app}/cron/runs` }) },
  {
    route: 'DELETE /apps/:app/cron/:id',
    need: 'write',
    call: async () => {
      const job = await users.owner.client.addCron(app, '0 0 1 1 *', 'echo gone');
      return { path: `/apps/${app}/cron/${job.id}` };
    },
  },
  { route: 'GET /apps/:app/buildpacks', need: 'read', call: () => ({ path: `/apps/${app}/buildpacks` }) },
  { route: 'PATCH /apps/:app/buildpacks', need: 'write', call: (a) => ({ path: `/apps/${app}/buildpacks`, body: { action: 'add', url: `https://git.example.com/${a}-${uniqueName('bp')}.git` } }) },
  { route: 'GET /apps/:app/builds', need: 'read', call: () => ({ path: `/apps/${app}/builds` }) },
  { route: 'GET /apps/:app/builds/:number', need: 'read', call: () => ({ path: `/apps/${app}/builds/${buildNumber}` }) },
  { route: 'GET /apps/:app/builds/:number/output', need: 'read', call: () => ({ path: `/apps/${app}/builds/${buildNumber}/output` }) },

  // ---- processes ----
  { route: 'GET /apps/:app/ps', need: 'read', call: () => ({ path: `/apps/${app}/ps` }) },
  // Gantry admins see every instance in the cluster view, and why it runs where it runs.
  { route: 'GET /apps/:app/ps/:process/explain', need: 'read-or-gantry-admin', call: () => ({ path: `/apps/${app}/ps/web.1/explain` }) },
  {
    route: 'POST /apps/:app/ps/restart',
    need: 'write',
    call: () => ({ path: `/apps/${app}/ps/restart`, body: { target: 'web' } }),
    alsoAllowed: { status: 422, body: /runs no (web )?instances/, why: 'the previous caller stopped web.1 and its replacement is not up yet' },
  },
  {
    route: 'POST /apps/:app/ps/stop',
    need: 'write',
    call: () => ({ path: `/apps/${app}/ps/stop`, body: { target: 'web' } }),
    alsoAllowed: { status: 422, body: /runs no (web )?instances/, why: 'the previous caller stopped web.1 and its replacement is not up yet' },
  },
  { route: 'GET /apps/:app/formation', need: 'read', call: () => ({ path: `/apps/${app}/formation` }) },
  { route: 'PATCH /apps/:app/formation', need: 'write', call: () => ({ path: `/apps/${app}/formation`, body: { web: { quantity: 1 } } }) },
  { route: 'PUT /apps/:app/formation/:type/sleep', need: 'write', call: () => ({ path: `/apps/${app}/formation/web/sleep`, body: { off: true } }) },
  { route: 'PUT /apps/:app/formation/:type/constraints', need: 'write', call: () => ({ path: `/apps/${app}/formation/web/constraints`, body: { constraints: [] } }) },
  { route: 'PUT /apps/:app/deploy-batch', need: 'write', call: () => ({ path: `/apps/${app}/deploy-batch`, body: { batch: null } }) },
  { route: 'GET /apps/:app/autoscale', need: 'read', call: () => ({ path: `/apps/${app}/autoscale` }) },
  { route: 'GET /apps/:app/autoscale/events', need: 'read', call: () => ({ path: `/apps/${app}/autoscale/events` }) },
  { route: 'PUT /apps/:app/autoscale/:type', need: 'write', call: () => ({ path: `/apps/${app}/autoscale/web`, body: { min: 1, max: 2, metric: 'cpu', target: 90 } }) },
  {
    route: 'DELETE /apps/:app/autoscale/:type',
    need: 'write',
    call: async () => {
      await users.owner.client.setAutoscale(app, 'web', { min: 1, max: 2, metric: 'cpu', target: 90 });
      return { path: `/apps/${app}/autoscale/web` };
    },
  },

  // ---- domains, certificates, router settings ----
  { route: 'GET /apps/:app/domains', need: 'read', call: () => ({ path: `/apps/${app}/domains` }) },
  { route: 'POST /apps/:app/domains', need: 'write', call: (a) => ({ path: `/apps/${app}/domains`, body: { hostname: `${uniqueName(a.toLowerCase())}.matrix.example.com` } }) },
  {
    route: 'DELETE /apps/:app/domains/:hostname',
    need: 'write',
    call: async () => {
      const hostname = `${uniqueName('gone')}.matrix.example.com`;
      await users.owner.client.addDomain(app, hostname);
      return { path: `/apps/${app}/domains/${enc(hostname)}` };
    },
  },
  { route: 'GET /apps/:app/certs', need: 'read', call: () => ({ path: `/apps/${app}/certs` }) },
  {
    route: 'POST /apps/:app/certs',
    need: 'write',
    call: () => {
      const c = selfSigned([customDomain]);
      return { path: `/apps/${app}/certs`, body: { cert: c.cert, key: c.key } };
    },
  },
  {
    route: 'DELETE /apps/:app/certs/:id',
    need: 'write',
    call: async () => {
      const c = selfSigned([customDomain]);
      const added = await users.owner.client.addCert(app, c.cert, c.key);
      return { path: `/apps/${app}/certs/${added.id}` };
    },
  },
  { route: 'GET /apps/:app/router', need: 'read', call: () => ({ path: `/apps/${app}/router` }) },
  { route: 'PATCH /apps/:app/router', need: 'write', call: () => ({ path: `/apps/${app}/router`, body: { idleTimeout: 90 } }) },

  // ---- logs, metrics, drains ----
  { route: 'GET /apps/:app/logs', need: 'read', call: () => ({ path: `/apps/${app}/logs?lines=500` }) },
  { route: 'GET /apps/:app/metrics', need: 'read', call: () => ({ path: `/apps/${app}/metrics?window=600` }) },
  { route: 'GET /apps/:app/metrics/instances', need: 'read', call: () => ({ path: `/apps/${app}/metrics/instances?window=600` }) },
  { route: 'GET /apps/:app/drains', need: 'read', call: () => ({ path: `/apps/${app}/drains` }) },
  // 127.0.0.1:9 (discard): nothing listens, so the forwarder only counts failures.
  { route: 'POST /apps/:app/drains', need: 'write', call: (a) => ({ path: `/apps/${app}/drains`, body: { url: `http://127.0.0.1:9/${a}-${uniqueName('d')}` } }) },
  {
    route: 'DELETE /apps/:app/drains/:id',
    need: 'write',
    call: async () => {
      const d = await users.owner.client.addDrain(app, `http://127.0.0.1:9/${uniqueName('gone')}`);
      return { path: `/apps/${app}/drains/${d.id}` };
    },
  },

  // ---- teams, members, invitations, audit, tokens ----
  { route: 'GET /teams', need: 'user', call: () => ({ path: '/teams' }), scope: 'none' },
  { route: 'POST /teams', need: 'user', call: () => ({ path: '/teams', body: { name: uniqueName('mx-new') } }), scope: 'none' },
  { route: 'GET /teams/:team/members', need: 'read', scope: 'team', call: () => ({ path: `/teams/${teamName}/members` }) },
  { route: 'PATCH /teams/:team/members/:email', need: 'admin', scope: 'team', call: async () => ({ path: `/teams/${teamName}/members/${enc(await teamMember())}`, body: { role: 'member' } }) },
  { route: 'DELETE /teams/:team/members/:email', need: 'admin', scope: 'team', call: async () => ({ path: `/teams/${teamName}/members/${enc(await teamMember())}` }) },
  { route: 'POST /teams/:team/invitations', need: 'admin', scope: 'team', call: () => ({ path: `/teams/${teamName}/invitations`, body: { role: 'member' } }) },
  { route: 'GET /teams/:team/invitations', need: 'admin', scope: 'team', call: () => ({ path: `/teams/${teamName}/invitations` }) },
  { route: 'DELETE /teams/:team/invitations/:id', need: 'admin', scope: 'team', call: async () => ({ path: `/teams/${teamName}/invitations/${(await invitation(teamName)).id}` }) },
  // Whoever holds the link joins: each caller gets a link to a team they are not in.
  { route: 'GET /invitations/:token', need: 'user', scope: 'none', call: async () => ({ path: `/invitations/${await joinLink()}` }) },
  { route: 'POST /invitations/:token/accept', need: 'user', scope: 'none', call: async () => ({ path: `/invitations/${await joinLink()}/accept` }) },
  { route: 'GET /teams/:team/audit', need: 'admin', scope: 'team', call: () => ({ path: `/teams/${teamName}/audit` }) },
  { route: 'GET /tokens', need: 'user', call: () => ({ path: '/tokens' }), scope: 'none' },
  { route: 'POST /tokens', need: 'user', call: () => ({ path: '/tokens', body: { name: 'matrix', expiresInDays: 1 } }), scope: 'none' },
  {
    route: 'DELETE /tokens/:id',
    need: 'user',
    scope: 'none',
    call: async (a) => {
      const u = userOf(a);
      const id = u ? (await issueToken(useCaseCtx(), u.id, 'matrix-revoke')).id : '00000000-0000-7000-8000-000000000000';
      return { path: `/tokens/${id}` };
    },
  },

  // ---- installation settings: Gantry admins only ----
  { route: 'GET /settings', need: 'gantry-admin', call: () => ({ path: '/settings' }), scope: 'none' },
  { route: 'PUT /settings/:key', need: 'gantry-admin', call: () => ({ path: '/settings/egress.allow', body: { value: '127.0.0.1/32' } }), scope: 'none' },

  // ---- hosts: Gantry admins only, whatever the team role ----
  { route: 'GET /hosts', need: 'gantry-admin', call: () => ({ path: '/hosts' }), scope: 'none' },
  {
    route: 'POST /hosts',
    need: 'gantry-admin',
    scope: 'none',
    call: () => {
      const name = uniqueName('mxh');
      hostsToRemove.push(name);
      return { path: '/hosts', body: { name, dockerUrl: 'tcp://127.0.0.1:9', address: '127.0.0.1', remote: true, cpus: 1, memory: '1g', insecure: true, labels: { matrix: 'yes' } } };
    },
  },
  { route: 'GET /hosts/:name', need: 'gantry-admin', call: () => ({ path: `/hosts/${hostName}` }), scope: 'none' },
  { route: 'POST /hosts/:name/drain', need: 'gantry-admin', call: () => ({ path: `/hosts/${hostName}/drain` }), scope: 'none' },
  { route: 'DELETE /hosts/:name/drain', need: 'gantry-admin', call: () => ({ path: `/hosts/${hostName}/drain` }), scope: 'none' },
  {
    route: 'DELETE /hosts/:name',
    need: 'gantry-admin',
    scope: 'none',
    call: async () => {
      const h = await users.gantryAdmin.client.addHost({ name: uniqueName('mxh-gone'), dockerUrl: 'tcp://127.0.0.1:9', address: '127.0.0.1', remote: true, cpus: 1, memory: '1g', insecure: true });
      hostsToRemove.push(h.name);
      return { path: `/hosts/${h.name}` };
    },
  },
];

// ---- volumes (registered with their OpenAPI document: rows only once the routes are served) ----
const VOLUME_ROWS: Row[] = [
  { route: 'GET /volumes', need: 'user', call: () => ({ path: '/volumes' }), scope: 'none' },
  { route: 'GET /apps/:app/volumes', need: 'read', call: () => ({ path: `/apps/${app}/volumes` }) },
  { route: 'POST /apps/:app/volumes', need: 'write', call: () => ({ path: `/apps/${app}/volumes`, body: { name: uniqueName('mxv') } }) },
  {
    route: 'POST /volumes/:name/mount',
    need: 'write',
    // A throwaway app of the team whose worker runs no instance: a mount moves nothing of the matrix app.
    call: async () => ({ path: `/volumes/${await teamVolume()}/mount`, body: { app: await idleWorkerApp(), type: 'worker', path: '/app/data' } }),
  },
  {
    route: 'POST /volumes/:name/unmount',
    need: 'write',
    call: async () => {
      const volume = await teamVolume();
      const owner = await testDb().app.findUniqueOrThrow({ where: { name: await idleWorkerApp() } });
      await testDb().volume.update({ where: { name: volume }, data: { appId: owner.id, processType: 'worker', mountPath: '/app/data' } });
      return { path: `/volumes/${volume}/unmount` };
    },
  },
  {
    route: 'POST /volumes/:name/move',
    need: 'write',
    call: async () => ({ path: `/volumes/${await teamVolume()}/move`, body: { to: 'mx-no-such-host' } }),
    alsoAllowed: { status: 422, body: /No host named/, why: 'an unknown host: checked after access, so nothing moves' },
  },
  { route: 'DELETE /volumes/:name', need: 'admin', destructive: true, call: async () => { const v = await teamVolume(); return { path: `/volumes/${v}?confirm=${v}` }; } },
];
ROWS.push(...VOLUME_ROWS);

// ---- add-ons: rows made directly in the database (no server runs: what needs one answers 503 or a failed backup) ----
const ADDON_ROWS: Row[] = [
  {
    route: 'POST /addons/:name/move',
    need: 'write',
    call: async () => ({ path: `/addons/${await teamAddon()}/move`, body: { to: 'mx-no-such-host' } }),
    alsoAllowed: { status: 422, body: /No host named/, why: 'an unknown host: checked after access, so nothing moves' },
  },
  { route: 'GET /addons', need: 'user', call: () => ({ path: '/addons' }), scope: 'none' },
  { route: 'GET /apps/:app/addons', need: 'read', call: () => ({ path: `/apps/${app}/addons` }) },
  {
    route: 'POST /apps/:app/addons',
    need: 'write',
    call: () => ({ path: `/apps/${app}/addons`, body: { kind: 'nope' } }),
    alsoAllowed: { status: 422, body: /Unknown add-on kind/, why: 'an invalid kind: checked after access, so nothing is provisioned' },
  },
  { route: 'GET /addons/:name', need: 'read', call: async () => ({ path: `/addons/${await teamAddon()}` }) },
  { route: 'GET /addons/:name/details', need: 'read', call: async () => ({ path: `/addons/${await teamAddon()}/details` }) },
  {
    route: 'POST /addons/:name/attachments',
    need: 'write',
    call: async () => ({ path: `/addons/${await teamAddon()}/attachments`, body: { app: await teamApp('mx-att') } }),
  },
  {
    route: 'DELETE /addons/:name/attachments/:app',
    need: 'write',
    call: async () => {
      const addon = await teamAddon();
      const other = await teamApp('mx-det');
      const [a, o] = [await testDb().addon.findUniqueOrThrow({ where: { name: addon } }), await testDb().app.findUniqueOrThrow({ where: { name: other } })];
      await testDb().addonAttachment.create({ data: { addonId: a.id, appId: o.id, name: 'DATABASE' } });
      return { path: `/addons/${addon}/attachments/${other}` };
    },
  },
  {
    route: 'POST /addons/:name/credentials/rotate',
    need: 'write',
    call: async () => ({ path: `/addons/${await teamAddon()}/credentials/rotate` }),
    alsoAllowed: { status: 503, body: /not running/, why: 'the matrix add-on has no server' },
  },
  { route: 'GET /addons/:name/backups', need: 'read', call: async () => ({ path: `/addons/${await teamAddon()}/backups` }) },
  {
    route: 'POST /addons/:name/backups',
    need: 'write',
    call: async () => ({ path: `/addons/${await teamAddon()}/backups` }),
    alsoAllowed: { status: 500, body: /backup_failed/, why: 'the matrix add-on has no server: the backup fails (loudly)' },
  },
  { route: 'GET /addons/:name/backups/:id', need: 'read', call: async () => ({ path: `/addons/${await backedUpAddon()}/backups/b001` }) },
  { route: 'GET /addons/:name/backups/:id/download', need: 'write', call: async () => ({ path: `/addons/${await backedUpAddon()}/backups/b001/download` }) },
  {
    route: 'POST /addons/:name/backups/:id/restore',
    need: 'write',
    call: async () => ({ path: `/addons/${await backedUpAddon()}/backups/b001/restore`, body: {} }),
    alsoAllowed: { status: 503, body: /not running/, why: 'the matrix add-on has no server to restore into' },
  },
  { route: 'PUT /addons/:name/backups/schedule', need: 'write', call: async () => ({ path: `/addons/${await teamAddon()}/backups/schedule`, body: { at: '02:00', keep: 3 } }) },
  { route: 'DELETE /addons/:name/backups/schedule', need: 'write', call: async () => ({ path: `/addons/${await teamAddon()}/backups/schedule` }) },
  {
    route: 'DELETE /addons/:name',
    need: 'admin',
    destructive: true,
    call: async () => {
      const a = await teamAddon(uniqueName('postgres-mx'));
      return { path: `/addons/${a}?confirm=${a}` };
    },
  },
];
ROWS.push(...ADDON_ROWS);

let matrixAddon = '';
/** A Postgres add-on of the team that never ran (its records only): `name` for a fresh one. */
async function teamAddon(name?: string): Promise<string> {
  if (!name && matrixAddon) return matrixAddon;
  const addon = name ?? (matrixAddon = uniqueName('postgres-mx'));
  const db = testDb();
  const server = await db.app.create({ data: { name: addon, teamId, kind: 'addon', config: { POSTGRES_USER: 'u1', POSTGRES_PASSWORD: 'p'.repeat(64), POSTGRES_DB: 'd1' } } });
  const volume = await db.volume.create({ data: { name: `${addon}-data`, teamId, appId: server.id, processType: 'postgres', mountPath: '/data' } });
  await db.addon.create({ data: { name: addon, kind: 'postgres', plan: 'small', teamId, appId: server.id, volumeId: volume.id } });
  return addon;
}

let backedUp = '';
/** A team add-on with a stored backup b001 (a real file in the backup store, with its checksum). */
async function backedUpAddon(): Promise<string> {
  if (backedUp) return backedUp;
  const addon = await teamAddon(uniqueName('postgres-mxb'));
  const row = await testDb().addon.findUniqueOrThrow({ where: { name: addon } });
  const dir = join(gantry().home, 'backups', addon);
  mkdirSync(dir, { recursive: true });
  const content = Buffer.from('PGDMP matrix backup');
  const location = join(dir, 'b001-matrix.dump');
  writeFileSync(location, content);
  await testDb().backup.create({
    data: { addonId: row.id, addonName: addon, teamId, kind: 'postgres', number: 1, trigger: 'manual', status: 'succeeded', bytes: BigInt(content.length), sha256: createHash('sha256').update(content).digest('hex'), location },
  });
  return (backedUp = addon);
}

/** A volume of the team on no host (made directly: nothing to place). */
async function teamVolume(): Promise<string> {
  const name = uniqueName('mxv');
  await testDb().volume.create({ data: { name, teamId } });
  return name;
}

/** A new app of the team with a worker type scaled to 0 (a formation entry, no release). */
async function idleWorkerApp(): Promise<string> {
  const name = await teamApp('mx-vol');
  const row = await testDb().app.findUniqueOrThrow({ where: { name } });
  await testDb().formationEntry.create({ data: { appId: row.id, type: 'worker', quantity: 0, size: 'standard-1x' } });
  return name;
}

interface Answer {
  status: number;
  text: string;
  contentType: string;
}

async function send(method: string, call: Call, token: string | undefined): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${gantry().apiUrl}/api/v1${call.path}`, { method, headers, body: call.body === undefined ? undefined : JSON.stringify(call.body) });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

/**
 * What an answer to the outsider (or anon) leaks: a refusal about an app or team must be the bare
 * error shape, and nothing may hold a marker of the app; the app's and team's names only as the
 * echo of the name the caller sent, inside the error message.
 */
function leaks(row: Row, a: ActorName, ans: Answer): string[] {
  const found: string[] = [];
  for (const m of markers) if (ans.text.includes(m)) found.push(`contains ${JSON.stringify(m)}`);
  let withoutEcho = ans.text;
  if (ans.status >= 400 && row.scope !== 'none') {
    let body: unknown;
    try {
      body = JSON.parse(ans.text);
    } catch {
      return [...found, `refusal is not JSON: ${ans.text.slice(0, 100)}`];
    }
    const err = (body as { error?: Record<string, unknown> }).error;
    if (!err || Object.keys(body as object).join() !== 'error' || Object.keys(err).sort().join() !== 'id,message') found.push(`refusal is more than { error: { id, message } }: ${ans.text.slice(0, 200)}`);
    withoutEcho = JSON.stringify({ ...(body as object), error: { ...err, message: '' } });
  }
  if (a === 'outsider') for (const n of [app, teamName]) if (withoutEcho.includes(n)) found.push(`names ${n}`);
  return found;
}

function verdict(row: Row, a: ActorName, ans: Answer): string | undefined {
  if (allowed(row.need, a)) {
    if (ans.status >= 200 && ans.status < 300) return undefined;
    if (row.alsoAllowed && ans.status === row.alsoAllowed.status && row.alsoAllowed.body.test(ans.text)) return undefined;
    return `allowed, but got ${ans.status} ${ans.text.slice(0, 200)}`;
  }
  const want = a === 'anon' ? [401] : a === 'outsider' && row.scope !== 'none' ? [403, 404] : [403];
  if (want.includes(ans.status)) return undefined;
  return `should be refused with ${want.join(' or ')}, got ${ans.status} ${ans.text.slice(0, 200)}`;
}

async function runRow(row: Row): Promise<string[]> {
  const problems: string[] = [];
  const method = row.route.split(' ')[0]!;
  for (const a of actorsOf(row)) {
    const call = await row.call(a);
    const token = call.token !== undefined || userOf(a) === undefined ? call.token : userOf(a)!.token;
    const ans = await send(method, call, token);
    const v = verdict(row, a, ans);
    if (v) problems.push(`${a}: ${v}`);
    if (a === 'outsider' || a === 'anon') for (const l of leaks(row, a, ans)) problems.push(`${a} leak: ${l}`);
  }
  return problems;
}

/** POST /apps/:app/dynos with Upgrade: gantry-run: 101 (then hung up: the one-off is killed) or the error answer. */
function runUpgrade(appName: string, token: string | undefined): Promise<Answer> {
  const url = new URL(gantry().apiUrl);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: `/api/v1/apps/${enc(appName)}/dynos`,
      headers: {
        connection: 'Upgrade',
        upgrade: RUN_UPGRADE,
        [RUN_OPTIONS_HEADER]: encodeRunOptions({ argv: ['true'], env: {}, tty: false }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      timeout: 60_000,
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, text: '', contentType: '' });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), contentType: String(res.headers['content-type'] ?? '') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** GET /apps/:app/logs?tail=1: the status and the first bytes (the stream is then cut). */
async function tail(appName: string, token: string | undefined): Promise<Answer> {
  const ac = new AbortController();
  const res = await fetch(`${gantry().apiUrl}/api/v1/apps/${enc(appName)}/logs?tail=1&lines=500`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: ac.signal });
  let text = '';
  if (res.status === 200) {
    const reader = res.body!.getReader();
    const first = await reader.read();
    text = Buffer.from(first.value ?? new Uint8Array()).toString('utf8');
    ac.abort();
  } else {
    text = await res.text();
  }
  return { status: res.status, text, contentType: res.headers.get('content-type') ?? '' };
}

describe('authorization matrix: every route, every role, and another team', () => {
  beforeAll(async () => {
    for (const a of ['owner', 'admin', 'member', 'viewer', 'outsider'] as const) users[a] = await newUser(`mx-${a}`);
    users.gantryAdmin = await newUser('mx-gadmin', { admin: true });
    // The drain rows aim at 127.0.0.1:9: allowed by the admin (core/egress refuses loopback by default).
    await users.gantryAdmin.client.setSetting('egress.allow', '127.0.0.1/32');
    inviter = await newUser('mx-inviter');
    const team = await testDb().team.create({
      data: {
        name: (teamName = uniqueName('mx-team')),
        memberships: { create: ROLES.map((role) => ({ userId: users[role].id, role })) },
      },
    });
    teamId = team.id;

    app = await teamApp('mx-app');
    appId = (await testDb().app.findUniqueOrThrow({ where: { name: app } })).id;
    markers.push(appId);
    await users.owner.client.setConfig(app, { MATRIX_SECRET: secret });
    const pushed = await push(await repoFromFixture('dockerfile-app'), app, users.owner.token);
    expect(pushed.code, pushed.output).toBe(0);

    // Traffic, so the app has router log lines and metrics; and an instance to explain.
    await waitFor('the app to answer', async () => (await appGet(app)).status === 200, 120_000);
    for (let i = 0; i < 5; i++) expect((await appGet(app, logMarker)).status).toBe(200);
    await waitFor('the probe in the logs', async () => ((await users.owner.client.logs(app, 500)) as LogLineView[]).some((l) => l.line.includes(logMarker)), 30_000, 500);
    const m = await waitFor('requests in the metrics', async () => {
      const x = (await users.owner.client.metrics(app, 600)) as AppMetricsView;
      return x.router.requests >= 5 ? x : null;
    }, 30_000, 500);
    expect(m.router.requests).toBeGreaterThanOrEqual(5);
    const ps = (await users.owner.client.ps(app)) as InstanceView[];
    expect(ps.map((p) => p.process)).toContain('web.1');
    for (const p of ps) if (p.id) markers.push(p.id);
    const releases = (await users.owner.client.releases(app)) as ReleaseView[];
    const current = releases.find((r) => r.current)!;
    version = current.version;
    buildNumber = current.buildNumber!;
    if (current.imageRef) markers.push(current.imageRef);
    if (current.commit) markers.push(current.commit);

    customDomain = `${uniqueName('mx')}.matrix.example.com`;
    await users.owner.client.addDomain(app, customDomain);
    hostName = uniqueName('mxh');
    hostsToRemove.push(hostName);
    await users.gantryAdmin.client.addHost({ name: hostName, dockerUrl: 'tcp://127.0.0.1:9', address: '127.0.0.1', remote: true, cpus: 1, memory: '1g', insecure: true });
  }, 600_000);

  afterAll(async () => {
    for (const h of hostsToRemove) await users.gantryAdmin?.client.removeHost(h).catch(() => {});
    for (const d of (await users.owner?.client.drains(app).catch(() => [])) ?? []) await users.owner.client.removeDrain(app, d.id).catch(() => {});
    if (app) await users.owner?.client.destroyApp(app).catch(() => {});
  });

  it('has a row for every registered route, and no row for a route that is not', () => {
    const registered = apiRouter()
      .list()
      .map((r) => `${r.method} ${r.pattern}`);
    const rows = ROWS.map((r) => r.route);
    expect(registered.filter((r) => !rows.includes(r)), 'registered routes without a row').toEqual([]);
    expect(rows.filter((r) => !registered.includes(r)), 'rows of routes that are not registered').toEqual([]);
  });

  const ordered = [...ROWS.filter((r) => !r.destructive), ...ROWS.filter((r) => r.destructive)];
  for (const row of ordered) {
    const expectation = actorsOf(row)
      .map((a) => `${a} ${allowed(row.need, a) ? 'ok' : 'no'}`)
      .join(', ');
    it(`${row.route} (${row.need}: ${expectation})`, async () => {
      expect(await runRow(row)).toEqual([]);
    });
  }

  it('gantry run (POST /apps/:app/dynos, Upgrade) refuses anon, the outsider and the viewer, and runs for a member', async () => {
    const anon = await runUpgrade(app, undefined);
    expect(anon.status).toBe(401);
    const outsider = await runUpgrade(app, users.outsider.token);
    expect([403, 404]).toContain(outsider.status);
    expect(leaks({ route: 'POST /apps/:app/dynos', need: 'write', call: () => ({ path: '' }) }, 'outsider', outsider)).toEqual([]);
    const viewer = await runUpgrade(app, users.viewer.token);
    expect(viewer.status, viewer.text).toBe(403);
    const member = await runUpgrade(app, users.member.token);
    expect(member.status, member.text).toBe(101);
  });

  it('the log tail (?tail=1) refuses anon and the outsider without a line, and streams to the viewer', async () => {
    expect((await tail(app, undefined)).status).toBe(401);
    const outsider = await tail(app, users.outsider.token);
    expect([403, 404]).toContain(outsider.status);
    expect(leaks({ route: 'GET /apps/:app/logs', need: 'read', call: () => ({ path: '' }) }, 'outsider', outsider)).toEqual([]);
    const viewer = await tail(app, users.viewer.token);
    expect(viewer.status).toBe(200);
    expect(viewer.contentType).toMatch(/application\/x-ndjson/);
  });

  it("keeps the team's app out of the outsider's lists (the team itself sees it, secret and all)", async () => {
    expect(await users.member.client.config(app)).toMatchObject({ MATRIX_SECRET: secret });
    expect((await users.outsider.client.apps()).map((a) => a.name)).not.toContain(app);
    const dash = await send('GET', { path: '/dashboard/apps' }, users.outsider.token);
    expect(dash.text).not.toContain(app);
    expect((await users.viewer.client.apps()).map((a) => a.name)).toContain(app);
  });

  it("lets nobody revoke another user's token, and keeps config values out of the audit log", async () => {
    const owners = await users.owner.client.request<{ id: string; current: boolean }[]>('GET', '/tokens');
    const current = owners.find((t) => t.current)!;
    for (const a of ['outsider', 'admin'] as const) {
      const r = await send('DELETE', { path: `/tokens/${current.id}` }, users[a].token);
      expect(r.status, `${a}: ${r.text}`).toBe(404);
    }
    expect((await users.owner.client.me()).email).toBe(users.owner.email);

    const audit = await send('GET', { path: `/teams/${teamName}/audit?limit=500` }, users.owner.token);
    expect(audit.status).toBe(200);
    expect(audit.text).toContain('MATRIX_SECRET');
    expect(audit.text).not.toContain(secret);
  });

  it("does not let another team reach the team's objects through its own app or team (ids, hostnames)", async () => {
    const c = selfSigned([customDomain]);
    const cert = await users.owner.client.addCert(app, c.cert, c.key);
    const drain = await users.owner.client.addDrain(app, `http://127.0.0.1:9/${uniqueName('idor')}`);
    const invite = await invitation(teamName);
    const mine = uniqueName('mx-mine');
    await users.outsider.client.createApp(mine);
    try {
      const attempts: [string, string][] = [
        ['DELETE', `/apps/${mine}/domains/${enc(customDomain)}`],
        ['DELETE', `/apps/${mine}/certs/${cert.id}`],
        ['DELETE', `/apps/${mine}/certs/${enc(cert.fingerprint)}`],
        ['DELETE', `/apps/${mine}/drains/${drain.id}`],
        ['DELETE', `/apps/${mine}/drains/${enc(drain.token)}`],
        ['GET', `/apps/${mine}/releases/${version}`],
        ['GET', `/apps/${mine}/builds/${buildNumber}`],
        ['DELETE', `/teams/personal/invitations/${invite.id}`],
      ];
      for (const [method, path] of attempts) {
        const r = await send(method, { path }, users.outsider.token);
        expect(r.status, `${method} ${path}: ${r.text}`).toBe(404);
        // (The id or hostname the caller sent may come back in the message; nothing else may.)
        for (const m of markers) expect(r.text).not.toContain(m);
      }
      expect((await users.owner.client.domains(app)).map((d) => d.hostname)).toContain(customDomain);
      expect((await users.owner.client.certs(app)).map((x) => x.id)).toContain(cert.id);
      expect((await users.owner.client.drains(app)).map((x) => x.id)).toContain(drain.id);
      const open = await users.owner.client.request<{ id: string }[]>('GET', `/teams/${teamName}/invitations`);
      expect(open.map((i) => i.id)).toContain(invite.id);
    } finally {
      await users.outsider.client.destroyApp(mine).catch(() => {});
    }
  });
});
