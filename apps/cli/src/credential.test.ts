import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveLogin } from '@gantry/api-client';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialAnswer, parseCredentialInput } from './commands/git';
import { shellLine } from './commands/config';
import { ndjson } from './commands/logs';
import { apiUrl, currentLogin, resolveApp } from './context';

const home = mkdtempSync(join(tmpdir(), 'gantry-cli-unit-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = (extra: Record<string, string> = {}) => ({ HOME: home, XDG_CONFIG_HOME: join(home, 'cfg'), ...extra }) as unknown as NodeJS.ProcessEnv;
const TOKEN = 'gty_' + 'a'.repeat(43);

describe('git credential helper input', () => {
  it('reads key=value lines up to the blank line', () => {
    const input = ['protocol=http', 'host=localhost:7070', 'path=my-app.git', 'wwwauth[]=Basic realm="Gantry"', 'password=x=y', '', 'ignored=1'];
    expect(parseCredentialInput(input)).toEqual({ protocol: 'http', host: 'localhost:7070', path: 'my-app.git', password: 'x=y' });
  });

  it('tolerates CRLF, junk lines and no blank line', () => {
    expect(parseCredentialInput(['protocol=https\r', 'junk', '=x', 'host=h'])).toEqual({ protocol: 'https', host: 'h' });
  });

  it('answers nothing when not logged in', () => {
    expect(credentialAnswer({ protocol: 'http', host: 'localhost:7070' }, env())).toBe('');
  });

  it('answers with the default API\'s login, or GANTRY_TOKEN', () => {
    const e = env();
    saveLogin(join(e.XDG_CONFIG_HOME!, 'gantry', 'credentials.json'), 'http://gantry.test:3000/', { email: 'me@example.com', token: TOKEN });
    expect(apiUrl(e)).toBe('http://gantry.test:3000');
    expect(currentLogin(e)).toMatchObject({ email: 'me@example.com', fromEnv: false });
    expect(credentialAnswer({ protocol: 'http', host: 'localhost:7070' }, e)).toBe(`username=me@example.com\npassword=${TOKEN}\n`);
    expect(credentialAnswer({ protocol: 'http' }, env({ GANTRY_TOKEN: 'gty_other' }))).toBe('username=me@example.com\npassword=gty_other\n');
    expect(credentialAnswer({ protocol: 'http' }, env({ GANTRY_API_URL: 'http://elsewhere:3000' }))).toBe('');
    expect(credentialAnswer({ protocol: 'ssh' }, e)).toBe('');
  });
});

describe('app resolution', () => {
  it('fails clearly outside a repo with a gantry remote', async () => {
    await expect(resolveApp(undefined, home)).rejects.toThrow('No app given: pass -a NAME or run inside a repo with a gantry remote');
    await expect(resolveApp('Bad_Name', home)).rejects.toThrow(/Invalid app name/);
    await expect(resolveApp('good-name', home)).resolves.toBe('good-name');
  });
});

describe('small formats', () => {
  it('prints shell lines quoted only when needed', () => {
    expect(shellLine('A', 'simple/value:1')).toBe('A=simple/value:1');
    expect(shellLine('B', 'hello world')).toBe(`B='hello world'`);
    expect(shellLine('C', `it's`)).toBe(`C='it'\\''s'`);
    expect(shellLine('D', '')).toBe('D=');
  });

  it('splits NDJSON across chunks and skips keep-alive blank lines', async () => {
    const line = (n: number) => JSON.stringify({ id: String(n), time: 't', source: 'app', process: 'web.1', line: `l${n}` });
    const text = `${line(1)}\n\n${line(2)}\n\n\n${line(3)}`;
    const chunks = async function* () {
      const bytes = new TextEncoder().encode(text);
      for (let i = 0; i < bytes.length; i += 7) yield bytes.slice(i, i + 7);
    };
    const got: string[] = [];
    for await (const l of ndjson(chunks())) got.push(l.line);
    expect(got).toEqual(['l1', 'l2', 'l3']);
  });
});
