/**
 * The router's saved state: the routing table it last applied and the certificates it serves,
 * on local disk, so a router started while Redis is unreachable serves at once instead of
 * refusing every connection until Redis answers.
 *
 *   applied table / certificates ──SnapshotSaver (debounced)──▶ save(): temp file (0600), fsync,
 *                                                                rename over snapshot.<instance>.json, fsync dir
 *   start, Redis silent ──load()──▶ loaded | missing | corrupt (why)
 *
 * Private keys stay exactly as Redis holds them: sealed with the installation secret
 * (packages/core/src/secretbox.ts). A record whose key is not sealed is refused, never written.
 * The file carries the installation's name: a snapshot of another installation that shares the
 * directory is not loaded.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CertRecord, Route } from '@gantry/live';

/** A temp file older than this was left by a write that never finished (a crash): removed. */
const STALE_TEMP_MS = 60_000;

// Routes are kept as Redis had them: LiveTable skips a backend it cannot use, as it does for Redis.
const routeSchema = z.looseObject({ app: z.string(), appId: z.string(), backends: z.array(z.unknown()) });

const certSchema = z.object({
  id: z.string(),
  appId: z.string(),
  certPem: z.string(),
  keyEncrypted: z.string().startsWith('v1:', 'the private key is not sealed'),
  notAfter: z.string(),
});

const snapshotSchema = z.object({
  format: z.literal(1),
  instance: z.string(),
  /** Epoch ms of the write. */
  savedAt: z.number(),
  table: z.object({ version: z.number().int().nonnegative(), routes: z.record(z.string(), routeSchema) }),
  /** Certificate name ("www.example.com", "*.example.com") -> record. */
  certs: z.record(z.string(), certSchema),
});

/** The routing table as applied: version and hostname -> route. */
export interface TableState {
  version: number;
  routes: Record<string, Route>;
}

export interface RouterSnapshot {
  instance: string;
  savedAt: number;
  table: TableState;
  certs: Map<string, CertRecord>;
}

export type SnapshotRead = { kind: 'loaded'; snapshot: RouterSnapshot } | { kind: 'missing' } | { kind: 'corrupt'; reason: string };

export class SnapshotStore {
  readonly path: string;

  constructor(
    private readonly dir: string,
    private readonly instance: string,
  ) {
    this.path = join(dir, `snapshot.${instance}.json`);
  }

  /** Replaces the snapshot atomically: a reader sees the old file or the new one, whole. */
  async save(state: { table: TableState; certs: ReadonlyMap<string, CertRecord> }): Promise<void> {
    const doc = {
      format: 1 as const,
      instance: this.instance,
      savedAt: Date.now(),
      table: state.table,
      certs: Object.fromEntries(state.certs),
    };
    // Checked before writing: what is on disk always loads, and no key gets there unsealed.
    const checked = snapshotSchema.safeParse(doc);
    if (!checked.success) throw new Error(`refusing to save the snapshot: ${describe(checked.error)}`);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const file = await open(temp, 'wx', 0o600);
      try {
        await file.writeFile(JSON.stringify(doc));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, this.path);
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
    // The rename itself is durable once the directory is.
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async load(): Promise<SnapshotRead> {
    await this.removeStaleTemps();
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      return { kind: 'corrupt', reason: `cannot read ${this.path}: ${(err as Error).message}` };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return { kind: 'corrupt', reason: `${this.path} is not JSON (${(err as Error).message})` };
    }
    const parsed = snapshotSchema.safeParse(json);
    if (!parsed.success) return { kind: 'corrupt', reason: `${this.path}: ${describe(parsed.error)}` };
    const s = parsed.data;
    if (s.instance !== this.instance) return { kind: 'corrupt', reason: `${this.path} belongs to installation "${s.instance}", not "${this.instance}"` };
    return {
      kind: 'loaded',
      snapshot: { instance: s.instance, savedAt: s.savedAt, table: s.table as TableState, certs: new Map(Object.entries(s.certs)) },
    };
  }

  /** Temp files of writes that died before their rename (other processes' live ones are young). */
  private async removeStaleTemps(): Promise<void> {
    const prefix = `snapshot.${this.instance}.json.`;
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
      const file = join(this.dir, name);
      const info = await stat(file).catch(() => undefined);
      if (info !== undefined && Date.now() - info.mtimeMs > STALE_TEMP_MS) await unlink(file).catch(() => {});
    }
  }
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
}
