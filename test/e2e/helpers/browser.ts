/** The dashboard in a real browser: Debian's chromium through playwright-core (see the notes). */
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { gantry, type TestUser } from './gantry';

/** Screenshots land here (ignored by git). */
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'artifacts');
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
}

/** Opens `next`, is sent to the login page, logs in, and lands back on `next`. */
export async function login(context: BrowserContext, user: TestUser, next = '/apps'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${gantry().apiUrl}${next}`);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => u.pathname === next);
  return page;
}

export const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
export const text = (page: Page, testId: string) => page.getByTestId(testId).textContent().then((t) => t ?? '');
