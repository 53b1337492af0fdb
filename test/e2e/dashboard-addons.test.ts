/**
 * The dashboard's Add-ons tab in a real browser against the Gantry under test: an app with a
 * Postgres add-on shows its state, host, private address, config var and live figures (a table
 * and its rows, refreshed while the tab is open); "Capture backup" takes one (the download link
 * serves the very file, with the session cookie); a backup that cannot be written (a plain file
 * where the add-on's directory of the backup store should be) shows red with its reason; the
 * app's volumes are listed with their mount. Screenshot: test/artifacts/dashboard-addons.png.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddonView } from '@gantry/api-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium, login, shot, text } from './helpers/browser';
import { gantry, newUser, testDb, uniqueName, type TestUser } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { waitFor } from './helpers/http';
import { destroyVolumeWhenFree } from './helpers/writes';

const run = promisify(execFile);

/** SQL run by psql inside the add-on's own container (argv, no shell), as its owner. */
async function psql(addon: string, databaseUrl: string, sql: string): Promise<void> {
  const u = new URL(databaseUrl);
  const { stdout } = await run('docker', ['ps', '-q', '--filter', `label=gantry.instance=${gantry().instance}`, '--filter', `label=gantry.app=${addon}`]);
  const id = stdout.trim().split('\n')[0];
  if (!id) throw new Error(`no running container of ${addon}`);
  const argv = ['exec', '-e', `PGPASSWORD=${decodeURIComponent(u.password)}`, id, 'psql', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-U', decodeURIComponent(u.username), '-d', u.pathname.slice(1), '-c', sql];
  await run('docker', argv);
}

describe('dashboard: add-ons tab', () => {
  let browser: Browser;
  let page: Page;
  let owner: TestUser;
  let addon: AddonView;
  const app = uniqueName('dashaddon');
  const volume = uniqueName('files');
  let storeDir = '';
  let blocked = false;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    owner = await newUser('dashaddon');
    await owner.client.createApp(app);
    addon = (await owner.client.createAddon(app, { kind: 'postgres' })).addon;
    storeDir = join(gantry().home, 'backups', addon.name);
    const url = (await owner.client.config(app)).DATABASE_URL!;
    await psql(addon.name, url, "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL); INSERT INTO notes (body) VALUES ('a'), ('b'), ('c')");
  });

  afterAll(async () => {
    await browser?.close();
    // Give the store back its directory, or the final backup of addons:destroy fails (and nothing is destroyed).
    if (blocked) {
      rmSync(storeDir, { force: true });
      if (existsSync(`${storeDir}.aside`)) renameSync(`${storeDir}.aside`, storeDir);
    }
    if (addon) await owner.client.destroyAddon(addon.name, addon.name);
    // The app goes first (its worker stops), then the volume, retried until no container uses it: a
    // volume left on `local` makes later files' drains of `local` refuse (it holds data).
    await owner?.client.destroyApp(app, app).catch(() => {});
    if (owner) await destroyVolumeWhenFree(owner.client, volume);
  }, 120_000);

  it('shows the add-on, its state, where it lives, the config var and live figures', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    page = await login(context, owner, `/apps/${app}/addons`);
    const card = page.locator(`[data-addon="${addon.name}"]`);
    await card.waitFor({ timeout: 30_000 });
    await expect.poll(() => card.getByTestId('addon-state').textContent()).toBe('available');
    expect(await card.getByTestId('addon-state').getAttribute('class')).toContain('ok');
    expect(await card.getByRole('heading', { level: 2 }).textContent()).toBe(addon.name);
    const fresh = await owner.client.addon(addon.name);
    expect(await card.getByTestId('addon-host').textContent()).toBe(fresh.host);
    expect(await card.getByTestId('addon-address').textContent()).toBe(`${addon.privateName}:${addon.port}`);
    expect(await card.getByTestId('addon-config-var').textContent()).toBe('DATABASE_URL');
    expect(await card.getByTestId('latest-backup').textContent()).toBe('No backups yet');
    // Live figures: the server's version, and the table written above with its rows.
    await expect.poll(() => text(page, 'addon-version'), { timeout: 20_000 }).toMatch(/^15\.\d+$/);
    expect(Number(await text(page, 'addon-connections'))).toBeGreaterThanOrEqual(1);
    const notes = card.locator('[data-table="public.notes"] td.num');
    await expect.poll(() => notes.textContent(), { timeout: 30_000 }).toBe('3');
    // Refreshed while the tab is open: more rows show without a reload.
    await psql(addon.name, (await owner.client.config(app)).DATABASE_URL!, "INSERT INTO notes (body) VALUES ('d'), ('e')");
    await expect.poll(() => notes.textContent(), { timeout: 30_000 }).toBe('5');
  });

  it('captures a backup from the button, and its download link serves the stored file', async () => {
    const card = page.locator(`[data-addon="${addon.name}"]`);
    await card.getByRole('button', { name: 'Capture backup' }).click();
    await card.getByTestId('capture-progress').waitFor({ timeout: 5000 });
    const row = card.locator('[data-backup="b001"]');
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    await expect.poll(() => card.getByTestId('latest-backup').textContent()).toMatch(/^Latest backup b001: succeeded/);
    expect(await card.getByTestId('capture-error').count()).toBe(0);
    const b = await owner.client.backup(addon.name, 'b001');
    expect(b.status).toBe('succeeded');
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('link', { name: `Download backup b001 of ${addon.name}` }).click()]);
    expect(download.suggestedFilename()).toBe(`${addon.name}-b001.dump`);
    const file = join(tmpdir(), `${addon.name}-b001.dump`);
    await download.saveAs(file);
    const data = await readFile(file);
    rmSync(file, { force: true });
    expect(data.subarray(0, 5).toString('latin1')).toBe('PGDMP');
    expect(data.length).toBe(b.bytes);
    expect(createHash('sha256').update(data).digest('hex')).toBe(b.sha256);
  });

  it('shows a backup that cannot be written in red, with its reason', async () => {
    // The add-on's directory of the backup store becomes a plain file: the store's mkdir fails.
    renameSync(storeDir, `${storeDir}.aside`);
    writeFileSync(storeDir, 'not a directory\n');
    blocked = true;
    const card = page.locator(`[data-addon="${addon.name}"]`);
    await card.getByRole('button', { name: 'Capture backup' }).click();
    const error = card.getByTestId('capture-error');
    await error.waitFor({ timeout: 60_000 });
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await error.getAttribute('class')).toContain('bad');
    expect(await error.textContent()).toMatch(new RegExp(`^Backup b002 of ${addon.name} failed: .*(EEXIST|ENOTDIR)`));
    const row = card.locator('[data-backup="b002"]');
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('failed');
    expect(await row.getAttribute('class')).toContain('bad-row');
    expect(await row.locator('.badge').first().getAttribute('class')).toContain('bad');
    const recorded = (await owner.client.backups(addon.name))[0]!;
    expect(recorded).toMatchObject({ id: 'b002', status: 'failed' });
    expect(await row.getByTestId('backup-error').textContent()).toBe(recorded.error);
    // No download for a failed backup; the good one keeps its link.
    expect(await row.getByRole('link').count()).toBe(0);
    expect(await card.locator('[data-backup="b001"]').getByRole('link').count()).toBe(1);
    // The newest backup's failure is visible in the card's header, in red.
    const latest = card.getByTestId('latest-backup');
    await expect.poll(() => latest.getAttribute('data-status')).toBe('failed');
    expect(await latest.getAttribute('class')).toContain('bad');
  });

  it('gives a viewer the tab read-only: no capture, no download', async () => {
    const viewer = await newUser('addonviewer');
    const appRow = await testDb().app.findUniqueOrThrow({ where: { name: app } });
    await testDb().membership.create({ data: { teamId: appRow.teamId, userId: viewer.id, role: 'viewer' } });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    try {
      const v = await login(ctx, viewer, `/apps/${app}/addons`);
      const card = v.locator(`[data-addon="${addon.name}"]`);
      await card.locator('[data-backup="b001"][data-status="succeeded"]').waitFor({ timeout: 30_000 });
      expect(await card.getByTestId('addon-state').textContent()).toBe('available');
      expect(await card.getByRole('button', { name: 'Capture backup' }).isDisabled()).toBe(true);
      expect(await card.getByRole('link', { name: /Download backup/ }).count()).toBe(0);
      // Sent anyway, with the dashboard's own headers, the capture is refused by the API.
      const status = await v.evaluate(
        (name) => fetch(`/api/v1/addons/${name}/backups`, { method: 'POST', credentials: 'same-origin', headers: { 'x-gantry-csrf': '1' } }).then((r) => r.status),
        addon.name,
      );
      expect(status).toBe(403);
      // A dump holds every row of the database: the API does not serve it to a viewer either.
      const download = await v.evaluate((name) => fetch(`/api/v1/addons/${name}/backups/b001/download`, { credentials: 'same-origin' }).then((r) => r.status), addon.name);
      expect(download).toBe(403);
      expect((await owner.client.backups(addon.name)).map((b) => b.id)).toEqual(['b002', 'b001']);
    } finally {
      await ctx.close();
    }
  });

  it('lists the app’s volumes with their host and mount', async () => {
    // A volume is mounted by a process type: the app needs a release with a worker first.
    const pushed = await push(await repoFromFixture('worker-only'), app, owner.token);
    expect(pushed.code, pushed.output).toBe(0);
    await owner.client.createVolume(app, volume);
    await owner.client.mountVolume(volume, { app, type: 'worker', path: '/app/data' });
    const row = page.locator(`[data-volume="${volume}"]`);
    await row.waitFor({ timeout: 15_000 });
    await expect.poll(() => row.textContent()).toContain('worker at /app/data');
    // Its host, once the worker that mounts it is placed.
    let host: string | null = null;
    await expect.poll(async () => (host = (await owner.client.volumes(app)).find((x) => x.name === volume)?.host ?? null), { timeout: 90_000, interval: 1000 }).not.toBeNull();
    await expect.poll(() => row.locator('td').nth(1).textContent(), { timeout: 15_000 }).toBe(host);
    await shot(page, 'addons');
  });
});
