/**
 * Fetching a buildpack from a git URL a user gave (any entry of the app's list: `gantry
 * buildpacks`, .buildpacks, app.json, BUILDPACK_URL). The URL's host must pass the egress policy
 * (core/egress): it is resolved here,
 * every address checked, and git is told to connect to exactly those addresses
 * (http.curloptResolve, curl's --resolve), so a DNS answer that changes between the check and the
 * connect (rebinding) is never used. Everything else that could send git elsewhere is off:
 * redirects, proxies, url.*.insteadOf rewrites from a git config, protocols other than http(s).
 *
 *   URL ──canonical host──> resolveAllowed ──refused──> BuildFailure (not contacted)
 *                                    └──addresses──> git -c http.curloptResolve=host:port:addr clone
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DestinationRefused, parseIp, resolveAllowed, type EgressPolicy, type Resolve } from '@gantry/core';
import { BuildFailure } from './failure';

const run = promisify(execFile);

export const BUILDPACK_WHAT = 'buildpack URL host';

/** A buildpack git URL, checked for shape: http(s), a host, no credentials shown in errors. */
export function parseBuildpackUrl(text: string): { repo: URL; ref: string | undefined } {
  const [repoText, ref] = text.split('#', 2) as [string, string | undefined];
  let repo: URL;
  try {
    repo = new URL(repoText);
  } catch {
    throw new BuildFailure(`A buildpack must be a built-in buildpack name or an http(s) git URL, not "${text}".`);
  }
  if ((repo.protocol !== 'https:' && repo.protocol !== 'http:') || !repo.hostname) {
    throw new BuildFailure(`A buildpack must be a built-in buildpack name or an http(s) git URL, not "${text}".`);
  }
  if (ref !== undefined && !/^[A-Za-z0-9._/-]{1,200}$/.test(ref)) throw new BuildFailure(`The buildpack "${text}": "#${ref}" is not a branch or tag name.`);
  return { repo, ref };
}

/** The argv of the clone: pure, so tests assert it. `addresses` are the checked ones (none for an IP literal). */
export function cloneArgv(repo: URL, ref: string | undefined, dir: string, addresses: string[]): string[] {
  const port = repo.port || (repo.protocol === 'https:' ? '443' : '80');
  const host = repo.hostname;
  const pin = addresses.length && !parseIp(host) ? ['-c', `http.curloptResolve=${host}:${port}:${addresses.map((a) => (a.includes(':') ? `[${a}]` : a)).join(',')}`] : [];
  return [
    '-c', 'http.followRedirects=false',
    '-c', 'http.proxy=',
    '-c', 'protocol.allow=never',
    '-c', 'protocol.http.allow=always',
    '-c', 'protocol.https.allow=always',
    ...pin,
    'clone', '--quiet', '--depth', '1', '--no-recurse-submodules',
    ...(ref ? ['--branch', ref] : []),
    '--', repo.href, dir,
  ];
}

/** The environment of the clone: no prompt, no proxy, no user or system git config (insteadOf...). */
export function cloneEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  for (const k of Object.keys(out)) if (/^(https?|all|no)_proxy$/i.test(k)) delete out[k];
  return out;
}

export interface FetchOptions {
  policy: EgressPolicy;
  /** DNS (dns.lookup by default; a stand-in in tests). */
  resolve?: Resolve;
  timeoutMs?: number;
}

/** Clones the buildpack at `url` into `dir`; throws BuildFailure saying why it could not. */
export async function cloneBuildpack(url: string, dir: string, opts: FetchOptions): Promise<void> {
  const { repo, ref } = parseBuildpackUrl(url);
  let addresses: string[];
  try {
    addresses = (await resolveAllowed(opts.policy, repo.hostname, BUILDPACK_WHAT, opts.resolve)).map((a) => a.address);
  } catch (err) {
    if (err instanceof DestinationRefused) throw new BuildFailure(`Could not fetch the buildpack ${redact(repo)}: ${err.message}`);
    throw new BuildFailure(`Could not fetch the buildpack ${redact(repo)}: ${repo.hostname} does not resolve (${(err as Error).message}).`);
  }
  try {
    await run('git', cloneArgv(repo, ref, dir, addresses), { timeout: opts.timeoutMs ?? 60_000, env: cloneEnv(process.env) as NodeJS.ProcessEnv });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new BuildFailure(`Could not fetch the buildpack ${redact(repo)}: ${stderr || (err as Error).message}`);
  }
}

function redact(u: URL): string {
  if (!u.username && !u.password) return u.href;
  const c = new URL(u.href);
  c.username = '';
  c.password = '';
  return c.href;
}
