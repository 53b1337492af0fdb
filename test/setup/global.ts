/**
 * Global setup of the e2e suite: starts a complete, isolated Gantry (instance "test": ports
 * 13000/17070/18080, database gantry_test, Redis keys gantry:test:*, its own containers) with
 * the real supervisor, waits until healthy, and tears it down afterwards.
 */
import type { TestProject } from 'vitest/node';
import { startIsolatedGantry } from '@gantry/installer';

export interface GantryUnderTest {
  env: Record<string, string>;
  apiUrl: string;
  gitUrl: string;
  routerPort: number;
  databaseUrl: string;
  redisUrl: string;
  instance: string;
  appsDomain: string;
  home: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    gantry: GantryUnderTest;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const gantry = await startIsolatedGantry('test', 10_000, {
    GANTRY_BOOT_TIMEOUT: '30s',
    GANTRY_RECONCILE_INTERVAL: '2s',
    GANTRY_DRAIN_TIME: '1s',
    GANTRY_STOP_TIMEOUT: '5s',
    GANTRY_HOST_GRACE: '6s',
    GANTRY_LOG_LEVEL: 'debug',
    // Autoscaling reads 30 s and stabilizes scale-downs 30 s (5 min in production): e2e/autoscale.
    GANTRY_AUTOSCALE_WINDOW: '30s',
    GANTRY_AUTOSCALE_STABILIZATION: '30s',
  });
  const { config } = gantry;
  project.provide('gantry', {
    env: gantry.env,
    apiUrl: `http://127.0.0.1:${config.GANTRY_API_PORT}`,
    gitUrl: `http://127.0.0.1:${config.GANTRY_GIT_PORT}`,
    routerPort: config.GANTRY_ROUTER_PORT,
    databaseUrl: config.DATABASE_URL,
    redisUrl: config.REDIS_URL,
    instance: config.GANTRY_INSTANCE,
    appsDomain: config.GANTRY_APPS_DOMAIN,
    home: config.paths.home,
  });
  return gantry.stop;
}
