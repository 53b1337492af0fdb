/** Real git: temp repositories made from fixtures, and pushes to the Gantry under test. */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gantry } from './gantry';

const run = promisify(execFile);
export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.test',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.test',
  GIT_TERMINAL_PROMPT: '0',
  // Keep the machine's global git config (helpers, identities) out of the tests.
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

export async function git(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('git', args, { cwd, env: GIT_ENV, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A git repository with one commit holding a copy of a fixture directory. */
export async function repoFromFixture(fixture: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `gantry-e2e-${fixture}-`));
  await cp(join(FIXTURES, fixture), dir, { recursive: true, dereference: true });
  await git(dir, ['init', '-q', '-b', 'main']);
  await commitAll(dir, 'initial');
  return dir;
}

export async function commitAll(dir: string, message: string): Promise<void> {
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '--allow-empty', '-m', message]);
}

export async function writeAndCommit(dir: string, file: string, content: string, message = `change ${file}`): Promise<void> {
  await writeFile(join(dir, file), content);
  await commitAll(dir, message);
}

/** Remote URL of an app with a token as the Basic password (temp repos only). */
export function remoteUrl(app: string, token?: string): string {
  const u = new URL(`${gantry().gitUrl}/${app}.git`);
  if (token) {
    u.username = 'git';
    u.password = token;
  }
  return u.toString();
}

/** git push; the "remote:" lines are in stderr. */
export async function push(dir: string, app: string, token: string | undefined, refspec = 'main') {
  const r = await git(dir, ['push', remoteUrl(app, token), refspec]);
  return { ...r, output: r.stderr + r.stdout };
}

export interface TimedLine {
  at: number;
  line: string;
}

/**
 * git push that records when each output line arrived (ms since the push started), to show the
 * build output is streamed live rather than dumped at the end.
 */
export function pushTimed(dir: string, app: string, token: string, refspec = 'main'): Promise<{ code: number; lines: TimedLine[]; output: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn('git', ['push', '--progress', remoteUrl(app, token), refspec], { cwd: dir, env: GIT_ENV });
    const lines: TimedLine[] = [];
    let rest = '';
    const onData = (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split(/\r?\n|\r/);
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) lines.push({ at: Date.now() - t0, line: p.trimEnd() });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      if (rest.trim()) lines.push({ at: Date.now() - t0, line: rest.trimEnd() });
      resolve({ code: code ?? 1, lines, output: lines.map((l) => l.line).join('\n'), ms: Date.now() - t0 });
    });
  });
}
