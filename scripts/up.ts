/**
 * The Gantry part of `npm run up` (scripts/up.sh has installed and started the system
 * services): migrate, stack image, netd image, add-on images, dashboard build, start or keep the services, wait until
 * healthy, first admin and CLI login, then print where everything is.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@gantry/config';
import { connectDb } from '@gantry/db';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH } from '@gantry/db/migrate';
import { connectDocker } from '@gantry/docker';
import { ensureAddonImages, ensureAdmin, ensureCliLogin, ensureDashboardBuild, ensureLocalHost, ensureNetdImage, ensureStack, startSupervisor, stopSupervisor, supervisorPid, waitHealthy } from '@gantry/installer';
import { connectRedis, keysFor } from '@gantry/live';
import { ensureServicesBuild } from '@gantry/supervisor/build';
import { codeStamp } from './lib/code-stamp';
import { note, spinner, step } from './lib/progress';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const t0 = Date.now();

  const { applied } = await applyMigrations({ databaseUrl: config.DATABASE_URL, migrationsDir: DEFAULT_MIGRATIONS_DIR, schemaPath: DEFAULT_SCHEMA_PATH });
  if (applied.length) step(`Applied database migrations: ${applied.join(', ')}`);

  const docker = connectDocker(config.DOCKER_HOST);
  if ((await ensureStack(docker, config, (m) => step(m))) === 'built') note(`Stack image ${config.GANTRY_STACK_IMAGE} ready`);
  const netd = await ensureNetdImage(docker, config, (m) => step(m));
  if (netd.built) note(`netd image ${netd.ref} ready`);
  // The add-on servers (Postgres, Redis): one "Building ..." line per image built. They need the
  // Debian mirror; without it the platform still comes up, only add-ons cannot be created.
  const addonImages = await ensureAddonImages(docker, config, (m) => step(m)).catch((err: Error) => {
    step(`Add-on images not built (add-ons cannot be created until the next \`npm run up\`): ${err.message.split('\n')[0]}`);
    return null;
  });

  const stopBuildSpin = spinner(() => 'Building the dashboard (next build)');
  const dash = await ensureDashboardBuild().finally(stopBuildSpin);
  if (dash === 'built') step('Built the dashboard');
  // The services run compiled (no TypeScript loader in production); redone when a source changed.
  const services = await ensureServicesBuild();
  if (services.built) step(`Compiled the services into ${services.dist}`);

  {
    const db = connectDb(config.DATABASE_URL, { max: 2 });
    const redis = connectRedis(config.REDIS_URL, 'gantry-up');
    const host = await ensureLocalHost(config, db, redis);
    // Agents run the netd image of this code on their hosts.
    await redis.set(keysFor(config.GANTRY_INSTANCE).netdImage, netd.ref);
    // The API provisions add-on servers with these images.
    if (addonImages) await redis.hset(keysFor(config.GANTRY_INSTANCE).addonImages, addonImages);
    await db.$disconnect();
    redis.disconnect();
    if (Date.now() - host.createdAt.getTime() < 10_000) step(`Registered this machine as host "${host.name}" (${host.cpus} CPUs)`);
  }

  const stampFile = join(config.paths.run, 'code.stamp');
  const stamp = codeStamp();
  const pid = supervisorPid(config);
  const runningStamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : '';
  if (pid && runningStamp === stamp) {
    step(`Gantry is already running (gantryd pid ${pid})`);
  } else {
    if (pid) {
      step('The code changed since the services started: restarting them');
      await stopSupervisor(config);
    } else step('Starting Gantry services');
    startSupervisor(config, process.env, services.dist);
    writeFileSync(stampFile, stamp);
  }

  let missing: string[] = [];
  const stopSpin = spinner(() => `Waiting for services to be healthy${missing.length ? ` (${missing.join(', ')})` : ''}`);
  try {
    await waitHealthy(config, 120_000, (m) => (missing = m));
  } finally {
    stopSpin();
  }

  const db = connectDb(config.DATABASE_URL);
  const ctx = { db, queues: { add: async () => '' }, imageRepoPrefix: `gantry-${config.GANTRY_INSTANCE}` };
  const admin = await ensureAdmin(ctx, config);
  const login = await ensureCliLogin(ctx, config.urls.api, admin);
  await db.$disconnect();

  step(`Gantry is up (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  note(`Dashboard and API:  ${config.urls.api}`);
  note(`Git pushes:         ${config.urls.git}/<app>.git`);
  note(`Apps:               ${config.urls.app('<app>')}`);
  if (admin.password) note(`Admin login:        ${admin.email} / ${admin.password}   (also in ${admin.passwordFile})`);
  else note(`Admin login:        ${admin.email} (password in ${admin.passwordFile})`);
  note(`CLI:                logged in as ${login.email} — try: npx gantry apps:create my-app`);
  note(`Logs:               ${config.paths.logs}/   Stop with: npm run down`);
  process.exit(0);
}

main().catch((err) => {
  console.error(`\nnpm run up failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
