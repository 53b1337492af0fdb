/**
 * Dashboard benchmark, one run on this machine:
 *   - an isolated Gantry with 50 idle apps and one app ("bench-big") pushed (the Dockerfile
 *     fixture) and scaled to 20 instances of size basic (256 MB limit each, ~4 MB used);
 *   - Chromium (Debian's, headless, through playwright-core) with a session cookie:
 *       first load of /apps in a fresh browser context (no cache): time to first byte and time
 *       until the list shows all 51 apps;
 *       client-side navigation from the list to the app's overview: time to the first byte of
 *       the route's payload and until the instances table shows all 20 instances.
 *   Each figure: the first (cold server) and the median of RUNS more.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startIsolatedGantry } from '@gantry/installer';
import { benchUser, fixtureRepo, git, median, printRows, remote as remoteOf, runBench } from './common';
import { until } from './http';

const APPS = 50;
const INSTANCES = 20;
const RUNS = 5;
const GOAL_MS = 1000;
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface Sample {
  loadTtfb: number;
  /** Where the first load's time goes: scripts run (DOMContentLoaded), the app list's API answer. */
  loadDcl: number;
  loadApiStart: number;
  loadApiEnd: number;
  loadContent: number;
  navTtfb: number;
  navContent: number;
}

/** One fresh browser context: first load of /apps, then a click to the big app's overview. */
async function measure(browser: Browser, base: string, token: string): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  try {
    await context.addCookies([{ name: 'gantry_session', value: token, url: base, httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    await page.goto(`${base}/apps`, { waitUntil: 'commit' });
    // In-page code as strings: this file is type-checked without the DOM library.
    const shown = (selector: string, n: number) => `document.querySelectorAll(${JSON.stringify(selector)}).length >= ${n} && performance.now()`;
    const loadContent = Number(await (await page.waitForFunction(shown('[data-testid=apps-table] tr[data-app]', APPS + 1), undefined, { polling: 'raf', timeout: 30_000 })).jsonValue());
    const loadTtfb = Number(await page.evaluate(`performance.getEntriesByType('navigation')[0].responseStart`));
    const loadDcl = Number(await page.evaluate(`performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd`));
    const [loadApiStart, loadApiEnd] = (await page.evaluate(`(() => {
      const e = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/api/v1/dashboard/apps'));
      return e ? [e.startTime, e.responseEnd] : [NaN, NaN];
    })()`)) as [number, number];

    const t0 = Number(await page.evaluate('performance.now()'));
    await page.locator('tr[data-app="bench-big"] a[href="/apps/bench-big"]').click();
    const navDone = Number(await (await page.waitForFunction(shown('[data-testid=instances] tr[data-process]', INSTANCES), undefined, { polling: 'raf', timeout: 30_000 })).jsonValue());
    // The first answer the navigation waited for: the route's payload (RSC), else the first API call.
    const navTtfb = Number(
      await page.evaluate(`(() => {
        const entries = performance.getEntriesByType('resource').filter((e) => e.startTime >= ${t0} && e.responseStart > 0);
        const first = entries.find((e) => e.name.includes('_rsc=')) ?? entries.sort((a, b) => a.responseStart - b.responseStart)[0];
        return first ? first.responseStart - ${t0} : NaN;
      })()`),
    );
    return { loadTtfb, loadDcl, loadApiStart, loadApiEnd, loadContent, navTtfb, navContent: navDone - t0 };
  } finally {
    await context.close();
  }
}


async function main(): Promise<void> {
  console.log('Starting an isolated Gantry (instance "bench")...');
  const gantry = await startIsolatedGantry('bench', 20_000);
  const { config } = gantry;
  const base = `http://127.0.0.1:${config.GANTRY_API_PORT}`;
  const work = await mkdtemp(join(tmpdir(), 'gantry-bench-web-'));
  let browser: Browser | undefined;
  try {
    const { token, client } = await benchUser(config, true);
    console.log(`Creating ${APPS} apps...`);
    for (let i = 1; i <= APPS; i++) await client.createApp(`bench-app-${String(i).padStart(2, '0')}`);
    await client.createApp('bench-big');
    console.log('Pushing the Dockerfile fixture to bench-big...');
    const repo = await fixtureRepo('dockerfile-app', join(work, 'app'));
    await git(repo, ['push', '-q', remoteOf(config, 'bench-big', token), 'main']);
    console.log(`Scaling bench-big to web=${INSTANCES} (basic)...`);
    await client.updateFormation('bench-big', { web: { quantity: INSTANCES, size: 'basic' } });
    const t0 = Date.now();
    await until(`${INSTANCES} instances up`, async () => (await client.ps('bench-big')).filter((i) => i.state === 'up').length === INSTANCES, 300_000, 1000);
    console.log(`  ${INSTANCES} instances up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // Let the agent sample them, so the table shows CPU and memory as it would in use.
    await new Promise((r) => setTimeout(r, 5000));

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
    console.log(`Measuring: 1 cold + ${RUNS} runs...`);
    const first = await measure(browser, base, token);
    const runs: Sample[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await measure(browser, base, token));
    const med = (k: keyof Sample) => median(runs.map((r) => r[k]));
    const fmt = (ms: number) => `${Math.round(ms)} ms`;
    const verdict = (ms: number) => (ms < GOAL_MS ? 'ok (goal < 1 s)' : 'OVER the 1 s goal');
    const row = (label: string, k: keyof Sample, judge: boolean): [string, string] => [
      label,
      `${fmt(med(k)).padStart(7)}  (cold ${fmt(first[k])}; runs ${runs.map((r) => Math.round(r[k])).join(', ')})${judge ? `  ${verdict(Math.max(med(k), first[k]))}` : ''}`,
    ];
    printRows(`Dashboard benchmark: ${APPS + 1} apps, one with ${INSTANCES} instances; Chromium headless, this machine; median of ${RUNS} (cold = first load after start)`, [
      row('First load of /apps: time to first byte', 'loadTtfb', false),
      row('First load of /apps: DOMContentLoaded (scripts loaded and run)', 'loadDcl', false),
      row('First load of /apps: GET /dashboard/apps sent at', 'loadApiStart', false),
      row('First load of /apps: GET /dashboard/apps answered at', 'loadApiEnd', false),
      row(`First load of /apps: time to content (${APPS + 1} apps listed)`, 'loadContent', true),
      row('Client navigation to the overview: time to first byte', 'navTtfb', false),
      row(`Client navigation to the overview: time to content (${INSTANCES} instances listed)`, 'navContent', true),
    ]);
  } finally {
    await browser?.close().catch(() => {});
    await gantry.stop();
    await rm(work, { recursive: true, force: true });
  }
  process.exit(0);
}

runBench(main);
