/**
 * The egress policy as the database says: the admin's allow list (setting egress.allow) and the
 * cluster's own host addresses (hosts table: the address routers use and the Docker URL's host,
 * names resolved), for drains and the builder to check destinations with (core/egress).
 */
import dns from 'node:dns/promises';
import { EGRESS_ALLOW, parseCidr, parseIp, type EgressPolicy, type Ip } from '@gantry/core';
import type { Db } from '@gantry/db';
import { readSetting } from './settings';

type ResolveAll = (host: string) => Promise<string[]>;

const RESOLVE_TIMEOUT_MS = 2_000;

const resolveAll: ResolveAll = async (host) => {
  const lookup = dns.lookup(host, { all: true }).then((a) => a.map((x) => x.address));
  const timeout = new Promise<string[]>((done) => setTimeout(() => done([]), RESOLVE_TIMEOUT_MS).unref());
  return Promise.race([lookup.catch(() => []), timeout]);
};

export async function loadEgressPolicy(db: Db, resolve: ResolveAll = resolveAll): Promise<EgressPolicy> {
  const [allow, hosts] = await Promise.all([readSetting<string[]>(db, EGRESS_ALLOW.key), db.host.findMany({ select: { name: true, address: true, dockerUrl: true } })]);
  const clusterHosts: { name: string; ip: Ip }[] = [];
  for (const h of hosts) {
    const names = [h.address, dockerHost(h.dockerUrl)].filter((x): x is string => !!x);
    for (const name of new Set(names)) {
      const literal = parseIp(name);
      const ips = literal ? [literal] : (await resolve(name)).map(parseIp).filter((x): x is Ip => x !== null);
      for (const ip of ips) clusterHosts.push({ name: h.name, ip });
    }
  }
  return { allow: allow.map((t) => parseCidr(t)!).filter(Boolean), clusterHosts };
}

function dockerHost(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'tcp:' || u.protocol === 'https:' || u.protocol === 'http:' ? u.hostname.replace(/^\[(.*)\]$/, '$1') : null;
  } catch {
    return null;
  }
}

/**
 * The policy, reloaded when older than `maxAgeMs`: for services that check at every connect.
 * When a reload fails (Postgres down) the last policy loaded keeps being used, so drains keep
 * flowing through an outage; with none loaded yet, the failure is the caller's (nothing is sent).
 */
export function cachedEgressPolicy(load: () => Promise<EgressPolicy>, maxAgeMs = 5_000, now: () => number = Date.now): () => Promise<EgressPolicy> {
  let last: EgressPolicy | undefined;
  let loadedAt = -Infinity;
  let loading: Promise<EgressPolicy> | undefined;
  return async () => {
    if (last && now() - loadedAt <= maxAgeMs) return last;
    loading ??= load()
      .then((p) => {
        last = p;
        loadedAt = now();
        return p;
      })
      .finally(() => (loading = undefined));
    try {
      return await loading;
    } catch (err) {
      if (last) return last;
      throw err;
    }
  };
}
