/**
 * A real router started in this process (`apps/router/src/server.ts`) on the shared Redis, under
 * a unique instance prefix: the test's own admin connection and routing table, the router's two
 * connections, and HTTPS with one self-signed certificate.
 */
import { randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { connectRedis, keysFor, RoutingTable } from '@gantry/live';
import { startRouter, type RouterDeps, type RunningRouter } from '../../../apps/router/src/server';
import { selfSigned } from '../../e2e/helpers/certs';

const REDIS_URL = 'redis://127.0.0.1:6379/0';

export function inProcessRouter(prefix: string) {
  const instance = `${prefix}-${randomBytes(4).toString('hex')}`;
  const keys = keysFor(instance);
  const admin = connectRedis(REDIS_URL, `${instance}-admin`);
  const routing = new RoutingTable(admin, keys);
  const redis = connectRedis(REDIS_URL, `${instance}-router`);
  const subscriber = connectRedis(REDIS_URL, `${instance}-sub`);
  return {
    routing,
    /**
     * Starts the router on free ports (bind 127.0.0.1, apps under localhost), HTTP and HTTPS; the
     * HTTPS side presents one self-signed certificate for `certNames` whatever name is asked for.
     */
    start(certNames: string[], deps: Pick<RouterDeps, 'accessLog' | 'timeouts'>): Promise<RunningRouter> {
      const context = tls.createSecureContext(selfSigned(certNames));
      return startRouter({
        bind: '127.0.0.1',
        port: 0,
        appsDomain: 'localhost',
        keys,
        redis,
        subscriber,
        tls: { port: 0, sniCallback: (_name, cb) => cb(null, context) },
        ...deps,
      });
    },
    /** After the router closed: drops its connections, deletes the instance's keys, closes the admin connection. */
    async close() {
      redis.disconnect();
      subscriber.disconnect();
      const leftovers = await admin.keys(`${keys.prefix}*`);
      if (leftovers.length) await admin.del(...leftovers);
      await admin.quit();
    },
  };
}
