/** Every bad input to the API gets a clear error with a stable id, and changes nothing. */
import { beforeAll, describe, expect, it } from 'vitest';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';

async function call(method: string, path: string, opts: { token?: string; body?: string; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const res = await fetch(`${gantry().apiUrl}/api/v1${path}`, { method, headers, body: opts.body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as { error?: { id: string; message: string } }) : {} };
}

describe('API input', () => {
  let user: TestUser;
  let app: string;

  beforeAll(async () => {
    user = await newUser('input');
    app = uniqueName('input');
    await user.client.createApp(app);
  });

  it.each([
    ['Bad_Name', /lowercase letters, digits and dashes/],
    ['ab', /3 to 30 characters/],
    ['-leading', /start with a letter/],
  ])('refuses the app name %s with 422', async (name, message) => {
    const r = await call('POST', '/apps', { token: user.token, body: JSON.stringify({ name }) });
    expect(r.status).toBe(422);
    expect(r.body.error?.id).toBe('invalid_input');
    expect(r.body.error?.message).toMatch(message);
  });

  it('refuses a taken name with 409', async () => {
    const r = await call('POST', '/apps', { token: user.token, body: JSON.stringify({ name: app }) });
    expect(r.status).toBe(409);
    expect(r.body.error?.message).toContain('already taken');
  });

  it('refuses an oversized body with 413 and malformed bodies with 422', async () => {
    const big = JSON.stringify({ vars: { BIG: 'x'.repeat(2 * 1024 * 1024) } });
    expect((await call('PATCH', `/apps/${app}/config`, { token: user.token, body: big })).status).toBe(413);
    const bad = await call('PATCH', `/apps/${app}/config`, { token: user.token, body: '{"vars": ' });
    expect([bad.status, bad.body.error?.message]).toEqual([422, 'The request body is not valid JSON.']);
    const type = await call('POST', '/apps', { token: user.token, body: 'name=x', type: 'application/x-www-form-urlencoded' });
    expect(type.status).toBe(422);
    const notObject = await call('POST', '/apps', { token: user.token, body: '[1,2]' });
    expect(notObject.body.error?.message).toBe('The request body must be a JSON object.');
    expect(await user.client.config(app)).toEqual({});
  });

  it('refuses bad config vars', async () => {
    for (const [vars, message] of [
      [{ '1BAD': 'x' }, /Invalid config var name/],
      [{ PORT: '80' }, /set by Gantry/],
      [{ A: 5 }, /must be a string or null/],
      // Postgres refuses both (it was a 500 "Internal error").
      [{ NUL: 'a\u0000b' }, /Config var NUL contains a NUL character/],
      [{ HALF: 'x\ud800' }, /Config var HALF contains an unpaired UTF-16 surrogate/],
    ] as const) {
      const r = await call('PATCH', `/apps/${app}/config`, { token: user.token, body: JSON.stringify({ vars }) });
      expect(r.status).toBe(422);
      expect(r.body.error?.message).toMatch(message);
    }
    expect(await user.client.config(app)).toEqual({});
  });

  it('answers unknown routes with 404, wrong methods with 405, bad versions with 422', async () => {
    expect((await call('GET', '/nope', { token: user.token })).status).toBe(404);
    const wrong = await call('PUT', '/apps', { token: user.token, body: '{}' });
    expect(wrong.status).toBe(405);
    expect(wrong.body.error?.message).toContain('GET or POST');
    expect((await call('GET', `/apps/${app}/releases/latest`, { token: user.token })).status).toBe(422);
    expect((await call('POST', `/apps/${app}/releases/v99/rollback`, { token: user.token })).status).toBe(404);
    expect((await call('GET', `/apps/no-such-app-here`, { token: user.token })).status).toBe(404);
  });

  it('refuses a wrong password with 401 and the same message as an unknown email', async () => {
    const wrong = await call('POST', '/auth/login', { body: JSON.stringify({ email: user.email, password: 'wrong-password' }) });
    const unknown = await call('POST', '/auth/login', { body: JSON.stringify({ email: 'nobody@example.test', password: 'whatever1' }) });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.error?.message).toBe(unknown.body.error?.message);
  });
});
