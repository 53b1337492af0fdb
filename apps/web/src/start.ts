/**
 * The API and dashboard server: /api/v1/* is Gantry's HTTP API (handled here, transport-free
 * handlers in src/api), everything else is the Next.js dashboard.
 *
 *   client ──> :3000 ──┬── /api/v1/* ──> api router ──> use cases (@gantry/control) ──> Postgres/Redis
 *                      └── anything else ──> Next.js (app/)
 */
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { loadConfig } from '@gantry/config';
import { LoginLimiter, addonPlatform, type LiveNotifier } from '@gantry/control';
import { connectDb } from '@gantry/db';
import { JobQueues } from '@gantry/jobs';
import { AllocationStore, AppLogs, CertStore, HostRegistry, RoutingTable, connectRedis, keysFor, publishEvent, startHeartbeat } from '@gantry/live';
import { TEAM_SUBNET_BITS } from '@gantry/core';
import { connectDocker, probeEngine, swarmMembership, TeamNetworks } from '@gantry/docker';
import { createLogger, type StopService } from '@gantry/log';
import { API_PREFIX, apiRouter, handleApi } from './api/index';
import { handleApiUpgrade } from './api/run-upgrade';
import type { ApiDeps } from './api/deps';
import { RedisAttemptCounter } from './api/login-attempts';

const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function startWeb(): Promise<StopService> {
  const config = loadConfig(process.env);
  const log = createLogger('web', config.GANTRY_LOG_LEVEL);
  // Deadlines on both: a request that meets an outage answers 503 within seconds (respond.ts):
  // Postgres refusing at once, not answering in 3 s (a new connection) or 7 s (a query on an
  // open one: no request of the API's runs a statement for 5 s); Redis in 2.5 s.
  const db = connectDb(config.DATABASE_URL, { statementMs: 5000, onIdleError: (err) => log.warn(`postgres connection lost: ${err.message}`) });
  const redis = connectRedis(config.REDIS_URL, 'gantry-web', { kind: 'request' });
  const keys = keysFor(config.GANTRY_INSTANCE);
  const queues = new JobQueues(redis, config.GANTRY_INSTANCE);
  const hosts = new HostRegistry(redis, keys);
  const live = {
    wake: (appId: string, why: string) => publishEvent(redis, keys, { kind: 'desired', appId, why }),
    hostChanged: async (h: Parameters<LiveNotifier['hostChanged']>[0]) => {
      if ('removed' in h) await hosts.remove(h.removed);
      else await hosts.put(h);
      await publishEvent(redis, keys, { kind: 'hosts', why: 'hosts changed' });
    },
    certsChanged: async (appId: string) => {
      const certs = await db.certificate.findMany({ where: { appId }, orderBy: { createdAt: 'asc' } });
      await new CertStore(redis, keys).replaceApp(
        appId,
        certs.map((c) => ({ id: c.id, appId, certPem: c.certPem, keyEncrypted: c.keyEncrypted, notAfter: c.notAfter.toISOString(), hostnames: c.hostnames })),
      );
    },
  };
  const logs = new AppLogs(redis, keys.prefix, config.GANTRY_LOG_RETENTION);
  const events = { append: (appId: string, line: string) => logs.append(appId, [{ source: 'gantry' as const, process: 'api', line }]) };
  const deps: ApiDeps = {
    ctx: {
      db,
      queues,
      live,
      events,
      imageRepoPrefix: `gantry-${config.GANTRY_INSTANCE}`,
      loginLimiter: new LoginLimiter(new RedisAttemptCounter(redis, keys.prefix)),
      addons: addonPlatform({ db, redis, keys, hosts }, config),
    },
    config,
    redis,
    // Blocking reads (log and build output tails) wait through an outage on their own connection.
    blockingRedis: () => connectRedis(config.REDIS_URL, 'gantry-web-tail'),
    keys,
    allocs: new AllocationStore(redis, keys),
    hosts,
    probeEngine: (url, tls) => probeEngine(url, tls),
    networks: new TeamNetworks(connectDocker(config.DOCKER_HOST), { installation: config.GANTRY_INSTANCE, pool: config.GANTRY_NETWORK_POOL }),
    network: swarmMembership({ managerUrl: config.DOCKER_HOST, advertiseAddress: config.GANTRY_NETWORK_ADDRESS, pool: config.GANTRY_NETWORK_POOL, subnetSize: TEAM_SUBNET_BITS, installation: config.GANTRY_INSTANCE }),
    logs,
    routes: new RoutingTable(redis, keys),
    log: (m) => log.error(m),
  };
  const router = apiRouter();

  const dashboard = next({ dev: false, dir: WEB_DIR, quiet: true });
  const handleNext = dashboard.getRequestHandler();
  await dashboard.prepare();

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === API_PREFIX || path.startsWith(API_PREFIX + '/') || path.startsWith(API_PREFIX + '?')) {
      void handleApi(router, deps, req, res);
      return;
    }
    void handleNext(req, res);
  });
  // gantry run: POST /api/v1/apps/:app/dynos with "Upgrade: gantry-run".
  server.on('upgrade', (req, socket, head) => void handleApiUpgrade(deps, req, socket, head));
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // log tails stream for as long as the client wants
  await new Promise<void>((r) => server.listen(config.GANTRY_API_PORT, config.GANTRY_BIND, r));
  const stopHeartbeat = startHeartbeat(redis, keys, 'web');
  log.info(`API and dashboard on http://${config.GANTRY_BIND}:${config.GANTRY_API_PORT} (${config.urls.api})`);

  const shutdown = async () => {
    log.info('shutting down');
    server.close();
    server.closeAllConnections();
    await stopHeartbeat();
    await queues.close();
    await db.$disconnect();
    redis.disconnect();
  };
  return shutdown;
}
