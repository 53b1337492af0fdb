/** What the benchmarks share: a user with a token on an isolated Gantry, and git pushes to it. */
import { execFile } from 'node:child_process';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GantryClient } from '@gantry/api-client';
import { REPO_ROOT, type Config } from '@gantry/config';
import { createUser, issueToken } from '@gantry/control';
import { connectDb } from '@gantry/db';

const run = promisify(execFile);
export const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@b', GIT_CONFIG_GLOBAL: '/dev/null' };
export const git = (cwd: string, args: string[]) => run('git', args, { cwd, env: GIT_ENV, maxBuffer: 32 * 1024 * 1024 });

/** A user (admin when asked) with an API client, created through the real use cases. */
export async function benchUser(config: Config, admin = false): Promise<{ token: string; client: GantryClient }> {
  const db = connectDb(config.DATABASE_URL, { max: 2 });
  try {
    const ctx = { db, queues: { add: async () => '' }, imageRepoPrefix: `gantry-${config.GANTRY_INSTANCE}` };
    const user = await createUser(ctx, { email: `bench-${Date.now()}@example.test`, password: 'bench-password-1', isAdmin: admin });
    const { token } = await issueToken(ctx, user.id, 'bench');
    return { token, client: new GantryClient({ baseUrl: `http://127.0.0.1:${config.GANTRY_API_PORT}`, token }) };
  } finally {
    await db.$disconnect();
  }
}

/** A git repository holding a copy of a test fixture, committed. */
export async function fixtureRepo(fixture: string, dir: string): Promise<string> {
  await cp(join(REPO_ROOT, 'test/fixtures', fixture), dir, { recursive: true, dereference: true });
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', 'bench']);
  return dir;
}

export async function commitFile(dir: string, file: string, content: string): Promise<void> {
  await writeFile(join(dir, file), content);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', `change ${file}`]);
}

export function remote(config: Config, app: string, token: string): string {
  return `http://git:${token}@127.0.0.1:${config.GANTRY_GIT_PORT}/${app}.git`;
}

export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Prints "label  value" rows under a title, labels padded to one width. */
export function printRows(title: string, rows: [string, string][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${title}\n`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

/** Runs a benchmark's main: a failure prints its message and exits 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

/**
 * On SIGINT or SIGTERM, runs `cleanup` (the isolated installation, the bench's files) and exits
 * 130. Returns what removes the handlers (once the bench cleaned up by itself).
 */
export function cleanUpOnSignal(cleanup: () => Promise<void>): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`${signal}: stopping the benchmark`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
