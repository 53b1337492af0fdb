import type { HealthView } from '@gantry/api-client';
import { hostIsUp } from '@gantry/live';
import type { Router } from '../../http/router';
import { outageOf } from '../../http/outage';
import { sendJson } from '../../http/respond';
import type { ApiDeps } from '../deps';

/** Gantry's services that report a heartbeat into Redis (see packages/live heartbeat). */
export const HEARTBEAT_SERVICES = ['git', 'builder', 'scheduler', 'drains'] as const;

/** How long one check may take before it counts as down: /health answers within about this. */
export const HEALTH_CHECK_DEADLINE_MS = 2000;

/** A finding of a check, worded by us (safe to show, unlike a driver's error text). */
class Finding extends Error {}

/**
 * Runs one check with a deadline. Only our own findings are shown; a driver's error (its text
 * may name addresses or internals) is summed up as "unreachable" or "check failed".
 */
export async function check(fn: () => Promise<string | undefined>, deadlineMs = HEALTH_CHECK_DEADLINE_MS): Promise<{ ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Finding(`no answer within ${deadlineMs / 1000} s`)), deadlineMs);
  });
  try {
    const detail = await Promise.race([fn(), deadline]);
    return detail ? { ok: true, detail } : { ok: true };
  } catch (err) {
    if (err instanceof Finding) return { ok: false, detail: err.message };
    const dep = outageOf(err);
    return { ok: false, detail: dep ? `${dep} unreachable` : 'check failed' };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(r: Router<ApiDeps>): void {
  /** Unauthenticated: says only whether each part of Gantry is up. */
  r.add('GET', '/health', async (deps, { res }) => {
    // All at once, each with its own deadline: one dependency down cannot delay the others.
    const checks: Record<string, () => Promise<string | undefined>> = {
      postgres: async () => {
        await deps.ctx.db.$queryRaw`SELECT 1`;
        return undefined;
      },
      redis: async () => {
        await deps.redis.ping();
        return undefined;
      },
      ...Object.fromEntries(
        HEARTBEAT_SERVICES.map((name) => [
          name,
          async () => {
            const beat = await deps.redis.get(deps.keys.serviceHealth(name));
            if (!beat) throw new Finding('no heartbeat');
            return undefined;
          },
        ]),
      ),
      router: async () => {
        const n = (await deps.routes.liveRouters()).size;
        if (n === 0) throw new Finding('no live router');
        return `${n} live`;
      },
      hosts: async () => {
        const hosts = await deps.ctx.db.host.findMany({ select: { id: true, name: true, managed: true } });
        if (hosts.length === 0) throw new Finding('no host registered');
        const beats = await deps.hosts.beats(hosts.map((h) => h.id));
        const now = Date.now();
        const down = hosts.filter((h) => h.managed && !hostIsUp(beats.get(h.id), now, deps.config.GANTRY_HOST_GRACE)).map((h) => h.name);
        if (down.length) throw new Finding(`down: ${down.join(', ')}`);
        return `${hosts.length} up`;
      },
    };
    const results = await Promise.all(Object.entries(checks).map(async ([name, fn]) => [name, await check(fn)] as const));
    const services: HealthView['services'] = { api: { ok: true }, ...Object.fromEntries(results) };
    const ok = Object.values(services).every((s) => s.ok);
    sendJson(res, ok ? 200 : 503, { ok, services } satisfies HealthView);
  });
}
