/**
 * Custom domains and TLS certificates: a domain routes to its app at once and belongs to one app
 * only; certificates are checked, cover the app's names, and their keys are stored encrypted.
 */
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiError } from '@gantry/api-client';
import { gantry, newUser, testDb, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { selfSigned } from './helpers/certs';
import { get, statusOf, waitFor } from './helpers/http';

describe('custom domains and certificates', () => {
  let owner: TestUser;
  let other: TestUser;
  let app: string;
  const domain = `${uniqueName('shop')}.example.com`;

  beforeAll(async () => {
    owner = await newUser('dom');
    other = await newUser('dom-other');
    app = uniqueName('dom');
    await owner.client.createApp(app);
    expect((await push(await repoFromFixture('dockerfile-app'), app, owner.token)).code).toBe(0);
  });

  it('routes a custom domain to the app, and stops when it is removed', async () => {
    await owner.client.addDomain(app, domain.toUpperCase());
    expect((await owner.client.domains(app)).map((d) => [d.hostname, d.kind])).toEqual([
      [`${app}.${gantry().appsDomain}`, 'default'],
      [domain, 'custom'],
    ]);
    await waitFor('the domain to route', async () => (await get(gantry().routerPort, domain)).body.includes('hello from the Dockerfile app'));
    await owner.client.removeDomain(app, domain);
    await waitFor('the domain to stop routing', async () => (await get(gantry().routerPort, domain)).status === 404);
    await owner.client.addDomain(app, domain);
  });

  it('gives a hostname to one app only, and refuses names under the apps domain', async () => {
    const theirs = uniqueName('theirs');
    await other.client.createApp(theirs);
    const err = await other.client.addDomain(theirs, domain).catch((e: ApiError) => e);
    expect((err as ApiError).status).toBe(409);
    expect((err as ApiError).message).toBe(`${domain} is already in use by another app.`);
    expect(await statusOf(other.client.addDomain(theirs, `x.${gantry().appsDomain}`))).toBe(422);
    expect(await statusOf(other.client.domains(app))).toBe(403);
    expect(await statusOf(other.client.removeDomain(app, domain))).toBe(403);
  });

  it('refuses IP addresses and internal names as custom domains, saying which rule', async () => {
    const refused: [string, RegExp][] = [
      ['127.0.0.1', /IP address/],
      ['10.0.0.1', /IP address/],
      ['0.0.0.0', /IP address/],
      ['169.254.169.254', /IP address/],
      ['127.1', /IP address/],
      ['2130706433', /IP address/],
      ['0x7f.0.0.1', /IP address/],
      ['[::1]', /IP address/],
      ['localhost', /local machine|apps by name/], // the apps domain of the test installation is localhost
      ['gantry.local', /under \.local,/],
      ['metadata.google.internal', /under \.internal/],
      ['shop.test', /under \.test/],
      ['foo.notatld', /not a public suffix/],
      ['co.uk', /public suffix itself/],
      [`x.${gantry().appsDomain}`, /belong to apps by name/],
    ];
    for (const [hostname, rule] of refused) {
      const err = (await owner.client.addDomain(app, hostname).catch((e: ApiError) => e)) as ApiError;
      expect(err.status, hostname).toBe(422);
      expect(err.message, hostname).toMatch(/cannot be a custom domain: it /);
      expect(err.message, hostname).toMatch(rule);
    }
    expect((await owner.client.domains(app)).map((d) => d.hostname)).toEqual([`${app}.${gantry().appsDomain}`, domain]);
  });

  it('does not route a stored domain that breaks the rules (data from before them)', async () => {
    const { id: appId } = await testDb().app.findUniqueOrThrow({ where: { name: app } });
    const stale = await testDb().domain.create({ data: { hostname: '127.0.0.1', appId } });
    const fresh = `${uniqueName('fresh')}.example.com`;
    const redis = new Redis(gantry().redisUrl);
    try {
      await owner.client.addDomain(app, fresh); // wakes the scheduler, which reloads every domain of the app
      await waitFor('the fresh domain to route', async () => (await get(gantry().routerPort, fresh)).body.includes('hello from the Dockerfile app'));
      expect(await redis.hget(`gantry:${gantry().instance}:routes`, '127.0.0.1')).toBeNull();
      expect((await get(gantry().routerPort, '127.0.0.1')).body).not.toContain('hello from the Dockerfile app');
    } finally {
      redis.disconnect();
      await testDb().domain.delete({ where: { id: stale.id } });
      await owner.client.removeDomain(app, fresh);
    }
  });

  it('takes a certificate for the app\'s names only, and stores its key encrypted', async () => {
    const unrelated = selfSigned(['unrelated.example.org']);
    const refused = (await owner.client.addCert(app, unrelated.cert, unrelated.key).catch((e: ApiError) => e)) as ApiError;
    expect(refused.status).toBe(422);
    expect(refused.message).toMatch(/covers unrelated\.example\.org, none of which is a hostname of/);
    const mismatch = selfSigned([domain]);
    expect(await statusOf(owner.client.addCert(app, mismatch.cert, unrelated.key))).toBe(422);

    const good = selfSigned([domain, `*.${domain}`]);
    const added = await owner.client.addCert(app, good.cert, good.key);
    expect(added.covers).toEqual([domain]);
    expect((await owner.client.certs(app)).map((c) => c.hostnames)).toEqual([[`*.${domain}`, domain]]);
    const row = await testDb().certificate.findUniqueOrThrow({ where: { id: added.id } });
    expect(row.keyEncrypted).toMatch(/^v1:/);
    expect(row.keyEncrypted).not.toContain('PRIVATE KEY');

    const redis = new Redis(gantry().redisUrl);
    try {
      const mirrored = await redis.hget(`gantry:${gantry().instance}:certs`, domain);
      expect(JSON.parse(mirrored!)).toMatchObject({ id: added.id });
      expect(mirrored).not.toContain('PRIVATE KEY');
    } finally {
      redis.disconnect();
    }
    expect(await statusOf(other.client.addCert(app, good.cert, good.key))).toBe(403);
  });

  it('puts the app\'s router settings into its routes', async () => {
    const s = await owner.client.updateRouterSettings(app, { httpsRedirect: true, idleTimeout: 120 });
    expect(s).toEqual({ httpsRedirect: true, firstByteTimeout: 30, idleTimeout: 120 });
    expect(await statusOf(owner.client.updateRouterSettings(app, { idleTimeout: 0 }))).toBe(422);
    const redis = new Redis(gantry().redisUrl);
    try {
      await waitFor('the route options', async () => {
        const route = JSON.parse((await redis.hget(`gantry:${gantry().instance}:routes`, domain)) ?? '{}');
        return route.options?.idleMs === 120_000 && route.options?.httpsRedirect === true;
      });
    } finally {
      redis.disconnect();
    }
    await owner.client.updateRouterSettings(app, { httpsRedirect: false });
  });
});
