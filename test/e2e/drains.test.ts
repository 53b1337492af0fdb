/**
 * Log drains through the real `gantry` binary against the Gantry under test: drains are added
 * with local collectors (HTTP logplex and plain TCP syslog on this machine), the fixture app is
 * pushed and requested, and its build, platform, app and router lines reach the collectors
 * through the drains service that gantryd runs. Bad URLs are refused before any request.
 */
import { execFile } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrainView } from '@gantry/api-client';
import { httpReceiver, lineOf, syslogReceiver, type Receiver } from '../integration/drain-receivers';
import { CLI_BIN, cliHome, userEnv, type CliResult } from './helpers/cli';
import { allowLoopbackCollectors } from './helpers/egress';
import { gantry, newUser, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { appGet, waitFor } from './helpers/http';

/** The CLI as `who`, through GANTRY_API_URL and GANTRY_TOKEN. */
function cli(who: TestUser, home: string, args: string[]): Promise<CliResult> {
  const env = userEnv(home, { GANTRY_API_URL: gantry().apiUrl, GANTRY_TOKEN: who.token });
  return new Promise((done) => {
    execFile(process.execPath, [CLI_BIN, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** APP-NAME (the line's source) and PROCID of a syslog message. */
const fieldsOf = (m: string) => {
  const [, , token, source, proc] = m.split(' ');
  return { token, source, proc };
};

describe('log drains', () => {
  let owner: TestUser;
  let other: TestUser;
  let home: string;
  let app: string;
  let web: Receiver;
  let syslog: Receiver;
  let webUrl: string;
  let syslogUrl: string;

  beforeAll(async () => {
    [owner, other] = [await newUser('drains'), await newUser('drains-other')];
    // The collectors listen on 127.0.0.1, which drains may reach only when an admin allows it.
    await allowLoopbackCollectors();
    home = cliHome();
    app = uniqueName('drains');
    await owner.client.createApp(app);
    [web, syslog] = [await httpReceiver(), await syslogReceiver()];
    webUrl = `http://127.0.0.1:${web.port}/logs`;
    syslogUrl = `syslog://127.0.0.1:${syslog.port}`;
    // gantryd starts the drains service with the others: wait for its heartbeat.
    const redis = new Redis(gantry().redisUrl);
    try {
      await waitFor('the drains service', async () => (await redis.get(`gantry:${gantry().instance}:health:drains`)) !== null, 30_000);
    } finally {
      redis.disconnect();
    }
  });

  afterAll(async () => {
    await Promise.all([web?.close(), syslog?.close()]);
  });

  it('refuses bad URLs with a clear message and exit code 1', async () => {
    for (const [url, why] of [
      ['ftp://logs.example.com/x', /the scheme "ftp" is not supported/],
      ['syslog://logs.example.com', /syslog drains need a port/],
      ['logs.example.com:514', /is not supported/],
    ] as const) {
      const r = await cli(owner, home, ['drains:add', url, '-a', app]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).toContain('Use syslog+tls://host:port, syslog://host:port or an https:// (or http://) URL.');
    }
    // The API checks as well, for clients other than the CLI.
    await expect(owner.client.addDrain(app, 'udp://logs.example.com:514')).rejects.toMatchObject({ status: 422 });
    const none = await cli(owner, home, ['drains', '-a', app]);
    expect(none.stdout + none.stderr).toContain('has no log drains');
  });

  it('forwards build, platform, app and router lines to the collectors', async () => {
    const added = await cli(owner, home, ['drains:add', webUrl, '-a', app]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr + added.stdout).toMatch(/Added a drain to http:\/\/127\.0\.0\.1:\d+\/logs for .* \(token d\.[0-9a-f-]{36}\)/);
    expect((await cli(owner, home, ['drains:add', syslogUrl, '-a', app])).code).toBe(0);

    const twice = await cli(owner, home, ['drains:add', syslogUrl, '-a', app]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`${app} already drains to ${syslogUrl}.`);

    const listed = JSON.parse((await cli(owner, home, ['drains', '-a', app, '--json'])).stdout) as DrainView[];
    expect(listed.map((d) => d.url)).toEqual([webUrl, syslogUrl]);
    const tokens = new Map(listed.map((d) => [d.url, d.token]));

    expect((await push(await repoFromFixture('dockerfile-app'), app, owner.token)).code).toBe(0);
    const path = `/drained-${Date.now()}`;
    await waitFor('the app to answer through the router', async () => (await appGet(app, path)).status === 200);

    for (const [receiver, url] of [[web, webUrl], [syslog, syslogUrl]] as const) {
      await waitFor(`the router line at ${url}`, async () => receiver.messages.some((m) => fieldsOf(m).source === 'router' && m.includes(path)), 30_000);
      const sources = new Set(receiver.messages.map((m) => fieldsOf(m).source));
      expect([...sources].sort()).toEqual(expect.arrayContaining(['app', 'build', 'gantry', 'router']));
      expect(receiver.messages.some((m) => fieldsOf(m).source === 'app' && fieldsOf(m).proc === 'web.1' && lineOf(m).includes('perl app listening'))).toBe(true);
      expect(new Set(receiver.messages.map((m) => fieldsOf(m).token))).toEqual(new Set([tokens.get(url)]));
    }
    expect(web.batches.every((h) => h['content-type'] === 'application/logplex-1' && h['logplex-drain-token'] === tokens.get(webUrl))).toBe(true);
    // Both collectors saw the same lines in the same order.
    expect(web.messages.map(lineOf)).toEqual(syslog.messages.map(lineOf).slice(0, web.messages.length));

    const table = await cli(owner, home, ['drains', '-a', app]);
    expect(table.stdout).toContain(webUrl);
    expect(table.stdout).toContain(syslogUrl);
  });

  it('is for the app\'s team only', async () => {
    const r = await cli(other, cliHome(), ['drains', '-a', app]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`You do not have read access to the app "${app}".`);
    expect((await cli(other, cliHome(), ['drains:remove', syslogUrl, '-a', app])).code).toBe(1);
  });

  it('stops forwarding to a removed drain', async () => {
    const removed = await cli(owner, home, ['drains:remove', syslogUrl, '-a', app]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await owner.client.drains(app)).map((d) => d.url)).toEqual([webUrl]);
    await new Promise((r) => setTimeout(r, 500));
    const before = syslog.messages.length;
    const path = `/after-remove-${Date.now()}`;
    await appGet(app, path);
    await waitFor('the router line at the remaining drain', async () => web.messages.some((m) => m.includes(path)), 30_000);
    expect(syslog.messages.length).toBe(before);
    expect((await cli(owner, home, ['drains:remove', syslogUrl, '-a', app])).stderr).toMatch(/not found/);
  });
});
