/**
 * The web dashboard in a real browser (Debian's chromium through playwright-core) against the
 * Gantry under test: session login, creating an app, a push whose build output streams onto the
 * page, scaling, rollback, config, live logs, metrics charts, and a viewer who can read (not config values) but not
 * change. Screenshots of the main pages go to test/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gantry, newUser, testDb, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture, writeAndCommit } from './helpers/git';
import { ARTIFACTS, launchChromium, login, shot, text } from './helpers/browser';
import { appGet, waitFor } from './helpers/http';


describe('dashboard', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let owner: TestUser;
  const app = uniqueName('dash');

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    owner = await newUser('dash');
  });

  afterAll(async () => {
    await browser?.close();
    await owner?.client.destroyApp(app).catch(() => {});
  });

  it('logs in with a session cookie (HttpOnly, SameSite=Lax, 14 days)', async () => {
    page = await login(context, owner);
    await expect.poll(() => text(page, 'user-email')).toBe(owner.email);
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'gantry_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
    expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(13 * 86400_000);
    const tokens = await testDb().apiToken.findMany({ where: { userId: owner.id, name: { startsWith: 'dashboard ' } } });
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 13 * 86400_000);
  });

  it('refuses cookie-authenticated writes without the CSRF header or a same origin', async () => {
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'gantry_session');
    const url = `${gantry().apiUrl}/api/v1/apps`;
    const headers = { cookie: `gantry_session=${cookie!.value}`, 'content-type': 'application/json' };
    const crossSite = await fetch(url, { method: 'POST', headers: { ...headers, origin: 'https://evil.example' }, body: '{}' });
    expect(crossSite.status).toBe(403);
    expect(((await crossSite.json()) as { error: { message: string } }).error.message).toMatch(/Cross-site request refused/);
    expect((await fetch(url, { method: 'POST', headers, body: '{}' })).status).toBe(403);
    // Reading with the cookie needs no header; Bearer requests are unaffected.
    expect((await fetch(url, { headers })).status).toBe(200);
    expect((await fetch(`${gantry().apiUrl}/api/v1/me`, { headers: { authorization: `Bearer ${owner.token}`, origin: 'https://evil.example' } })).status).toBe(200);
  });

  it('creates an app from the page', async () => {
    await page.getByRole('button', { name: 'New app' }).click();
    await page.getByLabel('Name (optional)').fill(app);
    await shot(page, 'apps-create');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL((u) => u.pathname === `/apps/${app}`);
    expect((await owner.client.apps()).map((a) => a.name)).toContain(app);
  });

  it('streams a push’s build output live onto the deploys page', async () => {
    await page.getByRole('link', { name: 'Deploys' }).click();
    await page.waitForURL((u) => u.pathname === `/apps/${app}/deploys`);
    const repo = await repoFromFixture('dockerfile-app');
    // A step with a pause in the middle: its first line must be on the page before its second exists.
    const dockerfile = await readFile(join(repo, 'Dockerfile'), 'utf8');
    await writeAndCommit(repo, 'Dockerfile', dockerfile.replace('COPY', 'RUN X=half && echo "dash: first $X" && sleep 6 && echo "dash: second $X"\nCOPY'));
    let pushed = false;
    const pushing = push(repo, app, owner.token).finally(() => (pushed = true));
    await expect.poll(() => text(page, 'build-output'), { timeout: 120_000, interval: 100 }).toContain('dash: first half');
    const early = await text(page, 'build-output');
    expect(early).toContain('Building with the Dockerfile');
    expect(early).not.toContain('dash: second half');
    expect(pushed).toBe(false);
    await expect.poll(() => text(page, 'build-output'), { timeout: 60_000, interval: 100 }).toContain('dash: second half');
    await shot(page, 'deploys-live');
    const result = await pushing;
    expect(result.code, result.output).toBe(0);
    await expect.poll(() => page.getByTestId('build-output').getAttribute('data-ended'), { timeout: 60_000 }).toBe('1');
    const out = await text(page, 'build-output');
    expect(out).toMatch(/Step 1\/\d+ : FROM gantry\/stack:bookworm/);
    expect(out).toContain('Released v1');
    await shot(page, 'deploys');
  });

  it('scales from the overview page and shows the new instances with host and usage', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.locator('[data-process="web.1"][data-state="up"]').waitFor({ timeout: 60_000 });
    await page.getByLabel('web quantity').fill('2');
    await page.getByRole('button', { name: 'Scale' }).click();
    await page.locator('[data-process="web.2"][data-state="up"]').waitFor({ timeout: 90_000 });
    expect((await owner.client.formation(app)).find((f) => f.type === 'web')?.quantity).toBe(2);
    const row = page.locator('[data-process="web.1"]');
    await expect.poll(() => row.textContent(), { timeout: 60_000 }).toMatch(/\d+(\.\d)? (KB|MB)/);
    // Its private address, and the app's private names with their port.
    const ps = await owner.client.ps(app);
    const web1 = ps.find((i) => i.process === 'web.1')!;
    expect(web1.privateIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await expect.poll(() => row.textContent()).toContain(web1.privateIp!);
    const names = await page.getByTestId('private-names').textContent();
    expect(names).toContain(`web.${app}.internal`);
    expect(names).toContain(`${app}.internal`);
    expect(names).toContain('port 5000');
    await shot(page, 'overview');
  });

  it('rolls back with one click', async () => {
    await owner.client.setConfig(app, { FOO: 'bar' }); // v2
    await page.getByRole('link', { name: 'Releases' }).click();
    await page.locator('[data-version="2"]').waitFor();
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    await page.locator('[data-version="3"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('[data-version="3"]').textContent()).toMatch(/Roll\s*back to v1/i);
    await expect.poll(async () => (await owner.client.release(app, 3)).current, { timeout: 90_000, interval: 500 }).toBe(true);
    await shot(page, 'releases');
  });

  it('edits config vars, hidden until revealed', async () => {
    await page.getByRole('link', { name: 'Config' }).click();
    await page.getByLabel('Key').fill('GREETING');
    await page.getByLabel('Value', { exact: true }).fill('bonjour');
    await page.getByRole('button', { name: 'Set' }).click();
    const row = page.locator('[data-key="GREETING"]');
    await row.waitFor();
    expect(await row.textContent()).not.toContain('bonjour');
    await row.getByRole('button', { name: 'Reveal' }).click();
    await expect.poll(() => text(page, 'value-GREETING')).toBe('bonjour');
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('value of GREETING').fill('hola');
    await row.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => text(page, 'value-GREETING')).toBe('hola');
    expect((await owner.client.config(app)).GREETING).toBe('hola');
    await shot(page, 'config');
    await waitFor('the app to see GREETING=hola', async () => (await appGet(app)).body.includes('greeting=hola'), 90_000, 500);
  });

  it('shows live logs, filtered by source', async () => {
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.getByLabel('source filter').selectOption('router');
    await expect.poll(() => page.getByText('live', { exact: true }).count()).toBeGreaterThan(0);
    const probe = `/dash-probe-${Date.now()}`;
    await expect
      .poll(
        async () => {
          await appGet(app, probe);
          return text(page, 'logs');
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toContain(`path="${probe}"`);
    expect(await text(page, 'logs')).not.toContain('app[web.1]');
    await shot(page, 'logs');
  });

  it('draws metrics charts with data', async () => {
    for (let i = 0; i < 10; i++) await appGet(app, `/m/${i}`);
    await page.getByRole('link', { name: 'Metrics' }).click();
    for (const id of ['chart-rps', 'chart-latency', 'chart-cpu', 'chart-mem']) {
      await expect.poll(async () => Number(await page.getByTestId(id).getAttribute('data-points')), { timeout: 60_000, interval: 1000 }).toBeGreaterThan(0);
      expect(await page.getByTestId(id).locator('path.series').count()).toBeGreaterThan(0);
    }
    // Each instance's own memory line over the window (GET /metrics/instances).
    await expect.poll(() => page.getByTestId('chart-instance-mem').locator('.legend').textContent(), { timeout: 30_000 }).toMatch(/web\.1.*web\.2/);
    expect(Number(await page.getByTestId('chart-instance-mem').getAttribute('data-points'))).toBeGreaterThan(0);
    await shot(page, 'metrics');
  });

  it('gives a viewer read-only pages and refuses their writes', async () => {
    const viewer = await newUser('viewer');
    const appRow = await testDb().app.findUniqueOrThrow({ where: { name: app } });
    await testDb().membership.create({ data: { teamId: appRow.teamId, userId: viewer.id, role: 'viewer' } });
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' }); // a phone in dark mode
    try {
      const v = await login(ctx, viewer, `/apps/${app}`);
      await v.getByTestId('read-only').waitFor();
      await v.locator('[data-process="web.1"]').waitFor({ timeout: 30_000 });
      expect(await v.getByRole('button', { name: 'Scale' }).isDisabled()).toBe(true);
      expect(await v.getByLabel('web quantity').isDisabled()).toBe(true);
      expect(await v.getByTestId('restart-all').isDisabled()).toBe(true);
      await shot(v, 'viewer-overview-phone-dark');
      await v.getByRole('link', { name: 'Releases' }).click();
      await v.locator('[data-version="1"]').waitFor();
      for (const b of await v.getByRole('button', { name: /Roll back/ }).all()) expect(await b.isDisabled()).toBe(true);
      // Config values hold secrets: a viewer is told so and not sent them.
      await v.getByRole('link', { name: 'Config' }).click();
      await v.getByTestId('config-hidden').waitFor();
      expect(await v.getByTestId('config-hidden').textContent()).toMatch(/as a viewer of .* you do not see them/);
      expect(await v.locator('[data-key="GREETING"]').count()).toBe(0);
      // Writes sent anyway (with the dashboard's own headers) are refused by the API.
      const statuses = await v.evaluate(async (name) => {
        const send = (method: string, path: string, body: unknown) =>
          fetch(`/api/v1/apps/${name}${path}`, { method, credentials: 'same-origin', headers: { 'x-gantry-csrf': '1', 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.status);
        return [await send('PATCH', '/formation', { web: { quantity: 5 } }), await send('PATCH', '/config', { vars: { X: '1' } }), await send('POST', '/releases/1/rollback', {}), await send('POST', '/ps/restart', {})];
      }, app);
      expect(statuses).toEqual([403, 403, 403, 403]);
      expect((await owner.client.formation(app)).find((f) => f.type === 'web')?.quantity).toBe(2);
    } finally {
      await ctx.close();
    }
  });

  it('shows admins the cluster: hosts with capacity, usage and instances', async () => {
    const admin = await newUser('admin', { admin: true });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const a = await login(ctx, admin, '/cluster');
      const host = a.locator('[data-host]').first();
      await host.waitFor({ timeout: 30_000 });
      await expect.poll(() => host.textContent(), { timeout: 30_000 }).toContain(`${app}/web.1`);
      expect(await host.textContent()).toMatch(/Memory allocated/);
      // Not in the app's team, the admin still sees why web.1 runs on this host.
      await host.getByTitle(/click to explain its placement/).filter({ hasText: `${app}/web.1` }).first().click();
      const explain = a.getByTestId('explain-web.1');
      await explain.waitFor({ timeout: 15_000 });
      expect(await explain.getAttribute('data-placed')).toBe('1');
      await shot(a, 'cluster');
      await a.getByRole('link', { name: 'Team' }).click();
      await a.getByRole('heading', { name: 'Your API tokens' }).waitFor();
      await shot(a, 'team');
    } finally {
      await ctx.close();
    }
  });

  it('logs out: the cookie is cleared and its token revoked', async () => {
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'gantry_session');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    expect((await context.cookies()).filter((c) => c.name === 'gantry_session')).toHaveLength(0);
    expect((await fetch(`${gantry().apiUrl}/api/v1/me`, { headers: { cookie: `gantry_session=${cookie!.value}` } })).status).toBe(401);
  });
});
