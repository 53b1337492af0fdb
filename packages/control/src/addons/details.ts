/**
 * pg:info / redis:info: the server as it is now, asked inside its container. Figures it cannot
 * tell (server down) are null, with the reason in `problem`; the add-on's records still show.
 */
import type { Actor, Ctx } from '../context';
import { addonFor } from './access';
import { credentialsOf, platformOf, summarize, type AddonSummary } from './addons';

export interface AddonDetails extends AddonSummary {
  version: string | null;
  sizeBytes: number | null;
  connections: number | null;
  tables: { name: string; rows: number }[] | null;
  keys: number | null;
  problem: string | null;
}

const PG_SUMMARY = "SELECT current_setting('server_version'), pg_database_size(current_database()), (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database())";
const PG_TABLES = "SELECT schemaname || '.' || relname, n_live_tup FROM pg_stat_user_tables ORDER BY 1";

export async function addonDetails(ctx: Ctx, actor: Actor, name: string): Promise<AddonDetails> {
  const addon = await addonFor(ctx, actor, name, 'read');
  const summary = await summarize(ctx, addon);
  const empty = { version: null, sizeBytes: null, connections: null, tables: null, keys: null };
  if (summary.server.status !== 'healthy') return { ...summary, ...empty, problem: `the server is ${summary.server.status}${summary.server.message ? ` (${summary.server.message})` : ''}` };
  const { servers } = platformOf(ctx);
  try {
    if (addon.kind === 'postgres') {
      const c = await credentialsOf(ctx, addon);
      const psql = (sql: string) => servers.exec(addon.appId, ['psql', '-X', '-At', '-F', '\t', '-h', '127.0.0.1', '-U', c.user, '-d', c.database, '-c', sql], { env: { PGPASSWORD: c.password } });
      const [head, tables] = [await psql(PG_SUMMARY), await psql(PG_TABLES)];
      if (head.exitCode !== 0) throw new Error(head.stderr.trim());
      const [version, size, connections] = head.stdout.trim().split('\t');
      return {
        ...summary,
        version: version ?? null,
        sizeBytes: Number(size),
        connections: Number(connections),
        tables: tables.stdout.trim() ? tables.stdout.trim().split('\n').map((l) => ({ name: l.split('\t')[0]!, rows: Number(l.split('\t')[1]) })) : [],
        keys: null,
        problem: null,
      };
    }
    const r = await servers.exec(addon.appId, ['redis-cli', '-h', '127.0.0.1', '--no-auth-warning', 'INFO']);
    if (r.exitCode !== 0) throw new Error(r.stderr.trim());
    const info = Object.fromEntries(r.stdout.split(/\r?\n/).filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
    const keys = Object.entries(info).filter(([k]) => /^db\d+$/.test(k)).reduce((n, [, v]) => n + Number(/keys=(\d+)/.exec(v)?.[1] ?? 0), 0);
    return { ...summary, version: info.redis_version ?? null, sizeBytes: Number(info.used_memory ?? NaN) || null, connections: Number(info.connected_clients ?? NaN) || null, tables: null, keys, problem: null };
  } catch (err) {
    return { ...summary, ...empty, problem: `the server did not answer: ${(err as Error).message.slice(0, 300)}` };
  }
}
