/**
 * bench:footprint's installation, brought up the way production is: `npm run up` (scripts/up.sh,
 * then scripts/up.ts: the supervisor and every service as `up` starts them), for an instance of
 * its own ("bench-footprint": its database, Redis keys, containers, home and ports), beside any
 * other installation on this machine.
 *
 * Its home is seeded so that `up` finds what an installed machine has and changes nothing shared:
 *   gantry.env   this checkout's (the database role's password and the secret): with it, up.sh
 *                neither generates a new password nor ALTERs the shared role
 *   run/*.sha    this checkout's npm-ci and prisma-generate stamps: no `npm ci` in this checkout
 *   XDG_CONFIG_HOME  a directory of the bench's own, for the CLI login that `up` writes
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT, loadConfig, type Config } from '@gantry/config';
import { connectDocker } from '@gantry/docker';
import { deleteRedisKeys, isolatedEnv, recreateDatabase, removeDockerObjects, stopSupervisor } from '@gantry/installer';

export const INSTANCE = 'bench-footprint';
const PORT_BASE = 42_000;

export interface FootprintInstall {
  env: NodeJS.ProcessEnv;
  config: Config;
  /** Runs `npm run <script>` for this installation; its output goes to <work>/<script>-<n>.log. */
  npm(script: 'up' | 'down'): Promise<{ ms: number; output: string }>;
  /** Stops its services and removes its containers, images and volumes. */
  remove(): Promise<void>;
}

/** Wipes whatever a previous run left of the instance and seeds its home; nothing is started. */
export async function prepareInstall(work: string): Promise<FootprintInstall> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...isolatedEnv(INSTANCE, PORT_BASE), XDG_CONFIG_HOME: join(work, 'config') };
  const config = loadConfig(env);
  const docker = connectDocker(config.DOCKER_HOST);
  await stopSupervisor(config);
  await removeDockerObjects(docker, INSTANCE);
  await deleteRedisKeys(config.REDIS_URL, `gantry:${INSTANCE}:*`);
  await recreateDatabase(config.DATABASE_URL);
  await rm(config.paths.home, { recursive: true, force: true });
  await mkdir(config.paths.run, { recursive: true });
  const baseHome = loadConfig(process.env).paths.home;
  await copyFile(join(baseHome, 'gantry.env'), join(config.paths.home, 'gantry.env'));
  for (const stamp of ['npm-ci.sha', 'prisma-generate.sha']) await copyFile(join(baseHome, 'run', stamp), join(config.paths.run, stamp)).catch(() => {});

  let runs = 0;
  const npm = async (script: 'up' | 'down') => {
    const log = join(work, `${script}-${++runs}.log`);
    const t0 = Date.now();
    const { code, output } = await run('npm', ['run', script], env);
    const ms = Date.now() - t0;
    await writeFile(log, output);
    if (code !== 0) throw new Error(`npm run ${script} failed (exit ${code}):\n${output.split('\n').slice(-15).join('\n')}`);
    return { ms, output };
  };
  return {
    env,
    config,
    npm,
    remove: async () => {
      await stopSupervisor(config);
      await removeDockerObjects(docker, INSTANCE);
    },
  };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
