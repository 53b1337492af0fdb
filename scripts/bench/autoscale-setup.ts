/**
 * bench:autoscale's installation: an isolated Gantry (instance "bench-autoscale", its own database,
 * Redis keys and ports; the autoscaler's window and stabilization as configured, production's
 * 60 s / 5 min by default), a bench user, the real `gantry` CLI logged in through GANTRY_TOKEN,
 * and apps made from the saturating-app fixture. Everything is taken down at the end, on failure
 * and on SIGINT/SIGTERM too: what a part registered with `onCleanup`, then the installation
 * (its containers, images and volumes) and the bench's files.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GantryClient } from '@gantry/api-client';
import { REPO_ROOT, type Config } from '@gantry/config';
import { startIsolatedGantry } from '@gantry/installer';
import { benchUser, fixtureRepo, git, remote, cleanUpOnSignal } from './common';
import { firstOk } from './http';

export const INSTANCE = 'bench-autoscale';
const PORT_BASE = 48_000;
const CLI_BIN = join(REPO_ROOT, 'apps/cli/bin/gantry.js');
export const FIXTURE = 'saturating-app';
/** The fixture's default service time: one instance answers about 1000 / 25 = 40 req/s. */
export const SERVICE_MS = 25;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface AutoscaleBench {
  config: Config;
  client: GantryClient;
  /** The app's hostname, for the router's Host header. */
  hostOf(app: string): string;
  /** Creates an app, pushes the saturating fixture to it and waits for its first 200. */
  deploy(app: string): Promise<void>;
  /** The real CLI, as the bench user. */
  cli(args: string[]): Promise<CliResult>;
  onCleanup(what: string, op: () => Promise<unknown>): void;
}

const step = (msg: string) => console.log(msg);

export async function withAutoscaleBench<T>(fn: (bench: AutoscaleBench) => Promise<T>): Promise<T> {
  step(`Starting an isolated Gantry (instance "${INSTANCE}")...`);
  const gantry = await startIsolatedGantry(INSTANCE, PORT_BASE);
  const { config } = gantry;
  const work = await mkdtemp(join(tmpdir(), 'gantry-bench-autoscale-'));
  const attempt = async (what: string, op: () => Promise<unknown>) => {
    await op().catch((err: unknown) => console.error(`  cleanup: ${what} failed: ${err instanceof Error ? err.message : err}`));
  };
  const sections: [string, () => Promise<unknown>][] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      step('Cleaning up (the isolated Gantry and its apps, the bench files)...');
      for (const [what, op] of sections.reverse()) await attempt(what, op);
      await attempt('stopping the isolated Gantry', () => gantry.stop());
      await attempt('removing the bench files', () => rm(work, { recursive: true, force: true }));
    })());
  const offSignals = cleanUpOnSignal(cleanup);

  try {
    const { client, token } = await benchUser(config);
    const hostOf = (app: string) => `${app}.${config.GANTRY_APPS_DOMAIN}`;
    const cliEnv = { PATH: process.env.PATH, HOME: work, NO_COLOR: '1', GANTRY_API_URL: `http://127.0.0.1:${config.GANTRY_API_PORT}`, GANTRY_TOKEN: token } as unknown as NodeJS.ProcessEnv;
    const cli = (args: string[]) =>
      new Promise<CliResult>((done) => {
        execFile(process.execPath, [CLI_BIN, ...args], { env: cliEnv, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
          done({ code, stdout: String(stdout), stderr: String(stderr) });
        });
      });
    const deploy = async (app: string) => {
      const t0 = Date.now();
      await client.createApp(app);
      const dir = await fixtureRepo(FIXTURE, join(work, app));
      await git(dir, ['push', '-q', remote(config, app, token), 'main']);
      await firstOk(config.GANTRY_ROUTER_PORT, hostOf(app), '"dyno":"web.1"', 120_000);
      step(`  ${app}: pushed and answering in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    };
    const onCleanup = (what: string, op: () => Promise<unknown>) => void sections.push([what, op]);
    return await fn({ config, client, hostOf, deploy, cli, onCleanup });
  } finally {
    await cleanup();
    offSignals();
  }
}
