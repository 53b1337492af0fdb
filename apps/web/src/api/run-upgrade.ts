/**
 * `gantry run` at the edge: `POST /api/v1/apps/:app/dynos` with `Upgrade: gantry-run`. Checks
 * the token and the team's access, resolves the current release (a clear error when there is
 * none), picks a host that is up and has the image, starts the one-off and switches the
 * connection to run frames (see @gantry/api-client run-frames). Errors before the switch are
 * ordinary JSON error answers.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { FRAME, RUN_OPTIONS_HEADER, RUN_UPGRADE, decodeRunOptions, encodeFrame } from '@gantry/api-client';
import { DEFAULT_SIZE, InvalidInput, NotFound, Unavailable } from '@gantry/core';
import { hostTls, oneOffRelease, validateRunInput } from '@gantry/control';
import { connectDocker, ensureAppsBridge, netdRunning, type Docker, type Placement } from '@gantry/docker';
import { OneOffLeases, PrivateAddresses, hostIsUp } from '@gantry/live';
import { oneOffSpec } from '@gantry/scheduler-core';
import { sendError } from '../http/respond';
import { relayOneOff, startOneOff } from '../run/one-off';
import { accessRecheck } from './access-recheck';
import { actorFor } from './auth';
import type { ApiDeps } from './deps';

const RUN_PATH = /^\/api\/v1\/apps\/([^/]+)\/dynos\/?$/;

/** Statuses of instances whose host surely holds the release's image. */
const RUNNING = new Set(['healthy', 'starting', 'unhealthy']);

/** Handles an HTTP Upgrade request on the API server (only `gantry-run` is known). */
export async function handleApiUpgrade(deps: ApiDeps, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  socket.on('error', () => {});
  try {
    const url = new URL(req.url ?? '/', 'http://api');
    const m = RUN_PATH.exec(url.pathname);
    if (!m || req.method !== 'POST' || String(req.headers.upgrade).toLowerCase() !== RUN_UPGRADE) {
      throw new NotFound('Route', `${req.method} ${url.pathname} (Upgrade: ${req.headers.upgrade})`);
    }
    await runOneOff(deps, req, socket, head, decodeURIComponent(m[1]!));
  } catch (err) {
    if (!socket.writable) return;
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as import('node:net').Socket);
    res.on('finish', () => socket.end());
    sendError(res, err, deps.log);
  }
}

function parseOptions(req: IncomingMessage): { argv: string[]; env: Record<string, string>; size?: string; tty: boolean; cols?: number; rows?: number } {
  const header = req.headers[RUN_OPTIONS_HEADER];
  let o: Record<string, unknown>;
  try {
    o = decodeRunOptions(String(header ?? '')) as Record<string, unknown>;
  } catch {
    throw new InvalidInput(`Send the command in the ${RUN_OPTIONS_HEADER} header (base64url JSON).`);
  }
  if (typeof o !== 'object' || o === null) throw new InvalidInput(`The ${RUN_OPTIONS_HEADER} header must hold a JSON object.`);
  const env = (o.env ?? {}) as Record<string, string>;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new InvalidInput('"env" must be an object of strings.');
  const size = o.size === undefined ? undefined : String(o.size);
  const input = validateRunInput({ argv: o.argv as string[], env, ...(size !== undefined ? { size } : {}) });
  const dim = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 10_000 ? v : undefined);
  const cols = dim(o.cols);
  const rows = dim(o.rows);
  return { ...input, tty: o.tty === true, ...(cols ? { cols } : {}), ...(rows ? { rows } : {}) };
}

async function runOneOff(deps: ApiDeps, req: IncomingMessage, socket: Duplex, head: Buffer, appName: string): Promise<void> {
  const actor = await actorFor(deps, req);
  const options = parseOptions(req);
  const { app, release, launcher } = await oneOffRelease(deps.ctx, actor, appName);
  const number = randomInt(1000, 10_000);
  const spec = oneOffSpec({
    installation: deps.config.GANTRY_INSTANCE,
    app,
    release,
    launcher,
    argv: options.argv,
    env: options.env,
    size: options.size ?? DEFAULT_SIZE,
    number,
    suffix: randomBytes(3).toString('hex'),
  });
  const { docker, host } = await pickHost(deps, app.id, release);
  // Held while this process relays the session: if it dies, the host's agent removes the one-off.
  const releaseLease = await new OneOffLeases(deps.redis, deps.keys).hold(spec.name);
  try {
    await relaySession(deps, { req, socket, head, docker, host, spec, options, app, number, actor });
  } finally {
    await releaseLease();
  }
}

async function relaySession(
  deps: ApiDeps,
  s: {
    req: IncomingMessage;
    socket: Duplex;
    head: Buffer;
    docker: Docker;
    host: string;
    spec: ReturnType<typeof oneOffSpec>;
    options: ReturnType<typeof parseOptions>;
    app: { id: string; name: string; teamId: string };
    number: number;
    actor: { email: string };
  },
): Promise<void> {
  const { req, socket, head, docker, host, spec, options, app, number, actor } = s;
  const where = await placeOneOff(deps, docker, app.teamId, spec);
  let started: Awaited<ReturnType<typeof startOneOff>>;
  try {
    started = await startOneOff(docker, spec, options.tty, where);
  } catch (err) {
    if (where.team) await new PrivateAddresses(deps.redis, deps.keys).release(where.team.name, where.team.ip, spec.name).catch(() => {});
    throw err;
  }
  if (!socket.writable) {
    await started.container.remove({ force: true }).catch(() => {});
    return;
  }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${RUN_UPGRADE}\r\nConnection: Upgrade\r\n\r\n`);
  socket.write(encodeFrame(FRAME.status, `up, run.${number}`));
  if (options.tty && options.cols && options.rows) await started.container.resize({ h: options.rows, w: options.cols }).catch(() => {});
  const who = `${actor.email}: ${options.argv.join(' ').slice(0, 200)}`;
  await deps.logs.append(app.id, [{ source: 'gantry', process: `run.${number}`, line: `Starting process with command \`${options.argv.join(' ').slice(0, 200)}\` by ${actor.email} on ${host}` }]).catch(() => {});
  const end = await relayOneOff(docker, started, socket, {
    tty: options.tty,
    head,
    log: deps.log,
    // As log tails: removal from the team or a revoked token stops the one-off within seconds.
    stillAllowed: accessRecheck(deps, req, app.teamId, 'write'),
    revokedMessage: `You do not have write access to ${app.name} any more: run.${number} was stopped.`,
  });
  const line = end.revoked ? `Killed (access revoked) (${who})` : end.code === null ? `Killed (client disconnected) (${who})` : `Process exited with status ${end.code}`;
  await deps.logs.append(app.id, [{ source: 'gantry', process: `run.${number}`, line }]).catch(() => {});
}

/**
 * A host that is up and has the image: first one running an instance of this release, else any
 * up host whose engine already holds the image.
 */
async function pickHost(deps: ApiDeps, appId: string, release: { id: string; version: number; imageRef: string }): Promise<{ docker: Docker; host: string }> {
  const rows = await deps.ctx.db.host.findMany({ orderBy: { name: 'asc' } });
  const beats = await deps.hosts.beats(rows.map((h) => h.id));
  const now = Date.now();
  const up = rows.filter((h) => hostIsUp(beats.get(h.id), now, deps.config.GANTRY_HOST_GRACE));
  const allocs = (await deps.allocs.ofApp(appId)).filter((a) => a.releaseId === release.id);
  const states = await deps.allocs.states(allocs.map((a) => a.id));
  const running = new Set(allocs.filter((a) => RUNNING.has(states.get(a.id)?.status ?? '')).map((a) => a.hostId));
  const ordered = [...up.filter((h) => running.has(h.id)), ...up.filter((h) => !running.has(h.id))];
  for (const h of ordered) {
    const docker = connectDocker(h.dockerUrl, hostTls(h, deps.config.GANTRY_SECRET));
    try {
      await docker.getImage(release.imageRef).inspect();
      return { docker, host: h.name };
    } catch {
      /* not on this host, or unreachable: next */
    }
  }
  throw new Unavailable(`No host that is up has the image of v${release.version}; scale a process type up (gantry ps:scale web=1) and try again.`);
}

/**
 * A one-off joins the private network as instances do: the host's apps bridge, its netd for DNS
 * when it runs, and the team network at a reserved address (GANTRY_PRIVATE_IP). Without the team
 * network (the swarm is unreachable) it still runs, without a private address.
 */
async function placeOneOff(deps: ApiDeps, docker: Docker, teamId: string, spec: ReturnType<typeof oneOffSpec>): Promise<Placement> {
  const installation = deps.config.GANTRY_INSTANCE;
  const bridge = await ensureAppsBridge(docker, installation);
  const dns = (await netdRunning(docker, installation)) ? bridge.gateway : null;
  const network = await deps.networks?.forTeam(teamId).catch((err: Error) => {
    deps.log(`run: no private network for team ${teamId}: ${err.message}`);
    return null;
  });
  if (!network) return { bridge, dns };
  const ip = await new PrivateAddresses(deps.redis, deps.keys).reserve(network.name, network.subnet, spec.name);
  spec.env.GANTRY_PRIVATE_IP = ip;
  spec.labels['gantry.private.network'] = network.name;
  spec.labels['gantry.private.ip'] = ip;
  return { bridge, dns, team: { name: network.name, ip } };
}
