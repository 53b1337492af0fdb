/**
 * Where the CLI talks to and as whom: the API URL (GANTRY_API_URL, else the saved default, else
 * http://localhost:3000), the token (GANTRY_TOKEN, else the saved login for that API), the client,
 * and which app a command is about (-a NAME, else the `gantry` git remote of the current repo).
 */
import { GantryClient, credentialsPath, normalizeApiUrl, readCredentials } from '@gantry/api-client';
import type { Command } from 'commander';
import { CliError, NotLoggedIn, appFromGitUrl, checkAppName } from './args';
import { remoteUrl } from './git';

export const DEFAULT_API_URL = 'http://localhost:3000';
export const REMOTE = 'gantry';

export interface Login {
  apiUrl: string;
  email: string | undefined;
  token: string;
  /** The token came from GANTRY_TOKEN rather than the credentials file. */
  fromEnv: boolean;
}

export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return credentialsPath(env);
}

/** The API to use: an explicit URL (login --api), GANTRY_API_URL, the saved default, or localhost. */
export function apiUrl(env: NodeJS.ProcessEnv = process.env, explicit?: string): string {
  const url = explicit || env.GANTRY_API_URL || readCredentials(credentialsFile(env)).default || DEFAULT_API_URL;
  if (!/^https?:\/\/[^/]/i.test(url)) throw new CliError(`Invalid API URL ${JSON.stringify(url)}: use http(s)://host[:port].`);
  return normalizeApiUrl(url);
}

/** The current login, or undefined when there is none for this API. */
export function currentLogin(env: NodeJS.ProcessEnv = process.env): Login | undefined {
  const api = apiUrl(env);
  const saved = readCredentials(credentialsFile(env)).apis[api];
  if (env.GANTRY_TOKEN) return { apiUrl: api, email: saved?.email, token: env.GANTRY_TOKEN, fromEnv: true };
  if (saved?.token) return { apiUrl: api, email: saved.email, token: saved.token, fromEnv: false };
  return undefined;
}

export function requireLogin(env: NodeJS.ProcessEnv = process.env): Login {
  const login = currentLogin(env);
  if (!login) throw new NotLoggedIn(`Not logged in to ${apiUrl(env)}. Run \`gantry login\` first.`);
  return login;
}

/** An authenticated client; throws NotLoggedIn (exit 3) when there is no login. */
export function client(env: NodeJS.ProcessEnv = process.env): GantryClient {
  const login = requireLogin(env);
  return new GantryClient({ baseUrl: login.apiUrl, token: login.token });
}

/** Adds the -a/--app option every app command has. */
export function withApp(cmd: Command): Command {
  return cmd.option('-a, --app <name>', 'app to run the command against (default: from the gantry git remote)');
}

/**
 * The app of a command: -a NAME (validated), else the last path segment of the `gantry` remote
 * of the repo in `cwd`.
 */
export async function resolveApp(given: string | undefined, cwd = process.cwd()): Promise<string> {
  if (given !== undefined) return checkAppName(given);
  const url = await remoteUrl(REMOTE, cwd);
  const fromRemote = url ? appFromGitUrl(url) : undefined;
  if (fromRemote) return fromRemote;
  throw new CliError('No app given: pass -a NAME or run inside a repo with a gantry remote.');
}
