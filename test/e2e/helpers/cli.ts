/** The real `gantry` binary, run as a user would (own HOME, so its own credentials). */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { gantry, newUser, type TestUser } from './gantry';

export const CLI_BIN = resolve(import.meta.dirname, '../../../apps/cli/bin/gantry.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cliHome(): string {
  return mkdtempSync(join(tmpdir(), 'gantry-home-'));
}

export function userEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    NO_COLOR: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.test',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.test',
    ...extra,
  } as unknown as NodeJS.ProcessEnv;
}

export function run(file: string, args: string[], opts: { home: string; cwd?: string; input?: string; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((done) => {
    const child = execFile(file, args, { cwd: opts.cwd, env: userEnv(opts.home), timeout: opts.timeoutMs ?? 180_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input ?? '');
  });
}

export const gantryCli = (home: string, args: string[], opts: { cwd?: string; input?: string } = {}) => run(process.execPath, [CLI_BIN, ...args], { home, ...opts });

export interface CliUser {
  user: TestUser;
  /** Their own HOME, holding the CLI's saved login (remove it when done). */
  home: string;
}

/** A new user (a Gantry admin when asked), logged in with the real CLI in a HOME of their own. */
export async function cliUser(label: string, opts: { admin?: boolean } = {}): Promise<CliUser> {
  const user = await newUser(label, opts);
  const home = cliHome();
  const login = await gantryCli(home, ['login', '--api', gantry().apiUrl, '--email', user.email, '--password', user.password]);
  expect(login.code, login.stderr).toBe(0);
  return { user, home };
}
