import type { HealthView } from '@gantry/api-client';
import { hostIsUp } from '@gantry/live';
import type { Router } from '../../http/router';
import { sendJson } from '../../http/respond';
import type { ApiDeps } from '../deps';

/** Gantry's services that report a heartbeat into Redis (see packages/live heartbeat). */
export const HEARTBEAT_SERVICES = ['git', 'builder', 'scheduler', 'drains'] as const;

async function check(fn: () => Promise<string | undefined>): Promise<{ ok: boolean; detail?: string }> {
  try {
    const detail = await fn();
    return detail ? { ok: true, detail } : { ok: true };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

export function healthRoutes(r: Router<ApiDeps>): void {
  /** Unauthenticated: says only whether each part of Gantry is up. */
  r.add('GET', '/health', async (deps, { res }) => {
    const services: HealthView['services'] = {};
    services.api = { ok: true };
    services.postgres = await check(async () => {
      await deps.ctx.db.$queryRaw`SELECT 1`;
      return undefined;
    });
    services.redis = await check(async () => {
      await deps.redis.ping();
      return undefined;
    });
    for (const name of HEARTBEAT_SERVICES) {
      services[name] = await check(async () => {
        const beat = await deps.redis.get(deps.keys.serviceHealth(name));
        if (!beat) throw new Error('no heartbeat');
        return undefined;
      });
    }
    services.router = await check(async () => {
      const n = (await deps.routes.liveRouters()).size;
      if (n === 0) throw new Error('no live router');
      return `${n} live`;
    });
    services.hosts = await check(async () => {
      const hosts = await deps.ctx.db.host.findMany({ select: { id: true, name: true, managed: true } });
      if (hosts.length === 0) throw new Error('no host registered');
      const beats = await deps.hosts.beats(hosts.map((h) => h.id));
      const now = Date.now();
      const down = hosts.filter((h) => h.managed && !hostIsUp(beats.get(h.id), now, deps.config.GANTRY_HOST_GRACE)).map((h) => h.name);
      if (down.length) throw new Error(`down: ${down.join(', ')}`);
      return `${hosts.length} up`;
    });
    const ok = Object.values(services).every((s) => s.ok);
    sendJson(res, ok ? 200 : 503, { ok, services } satisfies HealthView);
  });
}
