/**
 * Where the CLI keeps its login: $XDG_CONFIG_HOME/gantry/credentials.json (default
 * ~/.config/gantry), mode 0600, one entry per API URL plus the default API.
 * GANTRY_API_URL and GANTRY_TOKEN override it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Credential {
  email: string;
  token: string;
}

export interface CredentialFile {
  default?: string;
  apis: Record<string, Credential>;
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'gantry', 'credentials.json');
}

export function readCredentials(path: string): CredentialFile {
  if (!existsSync(path)) return { apis: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as CredentialFile;
    return { default: parsed.default, apis: parsed.apis ?? {} };
  } catch {
    return { apis: {} };
  }
}

export function writeCredentials(path: string, file: CredentialFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function normalizeApiUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Saves a login and makes that API the default. */
export function saveLogin(path: string, apiUrl: string, cred: Credential): void {
  const file = readCredentials(path);
  const api = normalizeApiUrl(apiUrl);
  file.apis[api] = cred;
  file.default = api;
  writeCredentials(path, file);
}

export function forgetLogin(path: string, apiUrl: string): void {
  const file = readCredentials(path);
  delete file.apis[normalizeApiUrl(apiUrl)];
  writeCredentials(path, file);
}
