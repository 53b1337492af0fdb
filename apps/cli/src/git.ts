/**
 * The local git repository: the `gantry` remote and git's credential helper, so that
 * `git push gantry` authenticates with the CLI's login and no token is ever written into
 * .git/config. git is always run with an argv array (execFile), never through a shell.
 */
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError } from './args';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git; resolves with its exit code (127 when git is not installed) instead of throwing. */
export function git(args: string[], cwd: string): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
      const code = !e ? 0 : e.code === 'ENOENT' ? 127 : typeof e.code === 'number' ? e.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function gitOrThrow(args: string[], cwd: string): Promise<string> {
  const r = await git(args, cwd);
  if (r.code !== 0) throw new CliError(`git ${args.join(' ')} failed: ${r.stderr.trim() || `exit code ${r.code}`}`);
  return r.stdout;
}

export async function insideRepo(cwd: string): Promise<boolean> {
  const r = await git(['rev-parse', '--git-dir'], cwd);
  return r.code === 0;
}

export async function remoteUrl(name: string, cwd: string): Promise<string | undefined> {
  const r = await git(['remote', 'get-url', name], cwd);
  return r.code === 0 ? r.stdout.trim() || undefined : undefined;
}

/** Points remote `name` at `url`, adding it or replacing its URL. */
export async function setRemote(name: string, url: string, cwd: string): Promise<'added' | 'replaced' | 'unchanged'> {
  const existing = await remoteUrl(name, cwd);
  if (existing === url) return 'unchanged';
  await gitOrThrow(existing === undefined ? ['remote', 'add', name, url] : ['remote', 'set-url', name, url], cwd);
  return existing === undefined ? 'added' : 'replaced';
}

export async function removeRemote(name: string, cwd: string): Promise<void> {
  await gitOrThrow(['remote', 'remove', name], cwd);
}

/** The URL git's credential config is keyed by: scheme://host[:port] of the app's git URL. */
export function gitBaseUrl(gitUrl: string): string {
  let u: URL;
  try {
    u = new URL(gitUrl);
  } catch {
    throw new CliError(`The API returned an unusable git URL ${JSON.stringify(gitUrl)}.`);
  }
  return u.origin;
}

/** Single-quotes a word for the POSIX shell git runs "!" helpers with. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Absolute path of bin/gantry.js (this file is src/git.ts). */
export function cliBinPath(): string {
  const path = fileURLToPath(new URL('../bin/gantry.js', import.meta.url));
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The helper value: git runs it through the shell with "get", "store" or "erase" appended. */
export function helperCommand(execPath = process.execPath, binPath = cliBinPath()): string {
  return `!${shellQuote(execPath)} ${shellQuote(binPath)} git:credential`;
}

/**
 * Makes this repository ask the CLI for credentials of `baseUrl`: first an empty helper (resets
 * helpers inherited from global/system config for that URL), then ours.
 */
export async function configureHelper(baseUrl: string, cwd: string): Promise<void> {
  const key = `credential.${baseUrl}.helper`;
  await gitOrThrow(['config', '--local', '--replace-all', key, ''], cwd);
  await gitOrThrow(['config', '--local', '--add', key, helperCommand()], cwd);
}

/** Adds/replaces the remote and configures the helper; returns lines saying what was done. */
export async function connectRepo(app: { name: string; gitUrl: string }, remote: string, cwd: string): Promise<string[]> {
  const base = gitBaseUrl(app.gitUrl);
  const change = await setRemote(remote, app.gitUrl, cwd);
  await configureHelper(base, cwd);
  const what = change === 'added' ? 'Added' : change === 'replaced' ? 'Replaced' : 'Kept';
  return [
    `${what} git remote ${remote} → ${app.gitUrl}`,
    `Git credential helper set for ${base} (this repo only; git asks gantry for your token, none is stored in .git/config)`,
  ];
}
