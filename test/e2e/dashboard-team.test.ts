/**
 * The dashboard's team pages and placement explanations in a real browser (Debian's chromium
 * through playwright-core), against the Gantry under test: an owner invites a viewer by email and
 * copies the link, the invitee logs in through the link and accepts, the owner changes their
 * role and removes them (access ends at once), an API token made on the page works as Bearer,
 * the overview and the cluster view explain web.1's placement, and custom domains and log drains
 * are added and removed. Screenshots go to test/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gantry, newUser, testDb, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { ARTIFACTS, launchChromium, login, shot, text } from './helpers/browser';
import { allowLoopbackCollectors } from './helpers/egress';
import { appGet, waitFor } from './helpers/http';


/** A log drain collector: counts the POSTs it gets. */
function collector(): Promise<{ server: Server; port: number; posts: string[] }> {
  const posts: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') posts.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, posts })));
}

describe('dashboard: teams, invitations, tokens, placement, domains and drains', () => {
  let browser: Browser;
  let context: BrowserContext;
  let invitedContext: BrowserContext;
  let page: Page;
  let invitedPage: Page;
  let owner: TestUser;
  let invitee: TestUser;
  let link: string;
  let pushing: ReturnType<typeof push>;
  const team = uniqueName('dteam');
  const app = uniqueName('dteam-app');

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, permissions: ['clipboard-read', 'clipboard-write'] });
    [owner, invitee] = await Promise.all([newUser('downer'), newUser('dinvitee')]);
    // The drain collector listens on 127.0.0.1: allowed by an admin (core/egress refuses it by default).
    await allowLoopbackCollectors();
    await owner.client.createTeam(team);
    await owner.client.createAppInTeam(team, app);
    // Built while the team tests run; the placement test waits for it.
    pushing = repoFromFixture('dockerfile-app').then((repo) => push(repo, app, owner.token));
  });

  afterAll(async () => {
    await browser?.close();
    await pushing?.catch(() => {});
    await owner?.client.destroyApp(app).catch(() => {});
  });

  it('an owner invites a user by email as a viewer and copies the link', async () => {
    page = await login(context, owner, '/team');
    await page.getByLabel('team', { exact: true }).selectOption(team);
    await page.getByRole('heading', { name: `Members of ${team}` }).waitFor();
    await page.getByLabel(/^Email/).fill(invitee.email);
    await page.getByLabel('invitation role').selectOption('viewer');
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    await page.getByTestId('new-invitation').waitFor();
    link = await page.getByTestId('invitation-link').inputValue();
    expect(link).toMatch(new RegExp(`^${gantry().apiUrl}/invitations/[A-Za-z0-9_-]+$`));
    await page.getByTestId('new-invitation').getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    // (The test project has no DOM types: the page reads its clipboard through globalThis.)
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(link);
    const pending = page.locator(`[data-invitation="${invitee.email}"]`);
    await pending.waitFor();
    expect(await pending.textContent()).toContain('viewer');
    expect((await owner.client.invitations(team)).map((i) => [i.email, i.role])).toEqual([[invitee.email, 'viewer']]);
    await shot(page, 'team-admin');
  });

  it('the invitee opens the link, logs in, accepts, and sees the team’s app read-only', async () => {
    invitedContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    // Not logged in: the link goes through /login and back to the invitation.
    invitedPage = await login(invitedContext, invitee, new URL(link).pathname);
    // What the link offers is shown before accepting.
    await expect.poll(() => text(invitedPage, 'invitation-offer')).toMatch(new RegExp(`join ${team} as\\s*viewer`));
    await shot(invitedPage, 'invitation-offer');
    await invitedPage.getByRole('button', { name: 'Accept invitation' }).click();
    await expect.poll(() => text(invitedPage, 'invitation-result')).toMatch(new RegExp(`You joined ${team} as\\s*viewer`));
    await shot(invitedPage, 'invitation');
    // A second accept of the same link is refused, and the page says why.
    const again = await invitedPage.evaluate(async (p) => (await fetch(`/api/v1${p}/accept`, { method: 'POST', headers: { 'x-gantry-csrf': '1' } })).status, new URL(link).pathname);
    expect(again).toBe(404);
    await invitedPage.getByRole('link', { name: 'See the team’s apps' }).click();
    const row = invitedPage.locator(`[data-app="${app}"]`);
    await row.waitFor();
    expect(await row.getByTestId('read-only').textContent()).toBe('read-only (viewer)');
    await row.getByRole('link', { name: app, exact: true }).click();
    await invitedPage.getByTestId('read-only').waitFor();
    expect(await invitedPage.getByTestId('restart-all').isDisabled()).toBe(true);
  });

  it('the owner makes the viewer a member, then removes them; their next page load is refused', async () => {
    await page.reload();
    await page.getByLabel('team', { exact: true }).selectOption(team);
    const member = page.locator(`[data-member="${invitee.email}"]`);
    await member.waitFor();
    await page.getByLabel(`role of ${invitee.email}`).selectOption('member');
    await expect.poll(async () => (await owner.client.members(team)).find((m) => m.email === invitee.email)?.role).toBe('member');
    await member.getByRole('button', { name: 'Remove' }).click();
    await member.getByRole('button', { name: 'Confirm removal' }).click();
    await member.waitFor({ state: 'detached' });
    expect((await owner.client.members(team)).map((m) => m.email)).not.toContain(invitee.email);
    await invitedPage.reload();
    await invitedPage.getByRole('alert').filter({ hasText: `You do not have read access to the app "${app}"` }).waitFor({ timeout: 15_000 });
    await invitedPage.goto(`${gantry().apiUrl}/apps`);
    await invitedPage.getByText('No apps yet').waitFor();
    expect(await invitedPage.locator(`[data-app="${app}"]`).count()).toBe(0);
    await invitedContext.close();
  });

  it('creates an API token on the page whose secret works as Bearer', async () => {
    const name = uniqueName('ci');
    await page.getByLabel('Token name').fill(name);
    await page.getByLabel('Expires in days (optional)').fill('7');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByTestId('token-secret').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    const me = await fetch(`${gantry().apiUrl}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { email: string }).email).toBe(owner.email);
    const row = page.locator(`[data-token="${name}"]`);
    await row.waitFor();
    const expires = new Date(Date.now() + 7 * 86400_000).toISOString().slice(0, 10);
    expect(await row.textContent()).toMatch(new RegExp(`${expires}|${new Date(Date.now() + 8 * 86400_000).toISOString().slice(0, 10)}`));
  });

  it('explains web.1’s placement on the overview and in the cluster view', async () => {
    const result = await pushing;
    expect(result.code, result.output).toBe(0);
    await page.goto(`${gantry().apiUrl}/apps/${app}`);
    const row = page.locator('[data-process="web.1"][data-state="up"]');
    await row.waitFor({ timeout: 90_000 });
    await row.getByRole('button', { name: 'Explain' }).click();
    const explain = page.getByTestId('explain-web.1');
    await explain.waitFor();
    const api = await owner.client.explain(app, 'web.1');
    expect(api.placed).toBe(true);
    await expect.poll(() => explain.textContent()).toContain(`placed on ${api.host}`);
    expect(await explain.locator(`[data-explain-host="${api.host}"][data-chosen="1"]`).count()).toBe(1);
    expect(await explain.locator('th').allTextContents()).toEqual(expect.arrayContaining(['Host', 'Filters', 'Total']));
    await shot(page, 'explain');

    // An admin who is in the team: the same explanation from the host's instance list.
    const admin = await newUser('dadmin', { admin: true });
    const teamRow = await testDb().team.findUniqueOrThrow({ where: { name: team } });
    await testDb().membership.create({ data: { teamId: teamRow.id, userId: admin.id, role: 'viewer' } });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const a = await login(ctx, admin, '/cluster');
      const instance = a.locator(`[data-host="${api.host}"] [data-instance="${app}/web.1"]`);
      await instance.waitFor({ timeout: 30_000 });
      await instance.click();
      const inCluster = a.locator(`[data-host="${api.host}"]`).getByTestId('explain-web.1');
      await expect.poll(() => inCluster.textContent(), { timeout: 15_000 }).toContain(`placed on ${api.host}`);
      await shot(a, 'cluster-explain');
    } finally {
      await ctx.close();
    }
  });

  it('adds and removes a custom domain and an http:// log drain on "Domains & drains"', async () => {
    const sink = await collector();
    try {
      await page.getByRole('link', { name: 'Domains & drains' }).click();
      // A name under a public suffix: .test and other reserved names cannot be claimed.
      const hostname = `${uniqueName('www')}.gantry-e2e.com`;
      await page.getByLabel('Add a domain').fill(hostname);
      await page.getByRole('button', { name: 'Add domain' }).click();
      const domainRow = page.locator('tr', { hasText: hostname });
      await domainRow.waitFor();
      expect((await owner.client.domains(app)).map((d) => d.hostname)).toContain(hostname);

      const url = `http://127.0.0.1:${sink.port}/drain`;
      await page.getByLabel('Add a drain').fill(url);
      await page.getByRole('button', { name: 'Add drain' }).click();
      const drainRow = page.locator('tr', { hasText: url });
      await drainRow.waitFor();
      expect((await owner.client.drains(app)).map((d) => d.url)).toEqual([url]);
      // The drain carries the app's router lines to the collector (once gantryd's drains service runs).
      const redis = new Redis(gantry().redisUrl);
      try {
        await waitFor('the drains service', async () => (await redis.get(`gantry:${gantry().instance}:health:drains`)) !== null, 30_000);
      } finally {
        redis.disconnect();
      }
      const probe = `/drain-probe-${Date.now()}`;
      await waitFor(
        `the router line for ${probe} at the collector`,
        async () => {
          await appGet(app, probe);
          return sink.posts.some((p) => p.includes(probe));
        },
        45_000,
        1000,
      ).catch(async (err: Error) => {
        throw new Error(`${err.message} (${sink.posts.length} batches received; drain stats ${JSON.stringify((await owner.client.drains(app))[0]?.stats)})`);
      });
      await page.evaluate('window.scrollTo(0, 0)'); // the sticky top bar stays at the top of the full-page shot
      await shot(page, 'domains-drains');

      await domainRow.getByRole('button', { name: 'Remove' }).click();
      await domainRow.waitFor({ state: 'detached' });
      await drainRow.getByRole('button', { name: 'Remove' }).click();
      await drainRow.waitFor({ state: 'detached' });
      expect((await owner.client.domains(app)).map((d) => d.hostname)).not.toContain(hostname);
      expect(await owner.client.drains(app)).toEqual([]);
    } finally {
      sink.server.close();
    }
  });
});
