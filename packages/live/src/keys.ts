/**
 * Every Redis key of one Gantry installation starts with "gantry:<instance>:", so a test
 * installation and a real one can share a Redis server without seeing each other.
 */
export interface Keys {
  prefix: string;
  /** Hash: hostname -> JSON Route. */
  routes: string;
  /** Counter: bumped on every routing-table change. */
  routesVersion: string;
  /** Pub/sub channel: JSON RoutesChanged. */
  routesChanged: string;
  /** Hash: router id -> JSON RouterPresence (which table version each live router serves). */
  routers: string;
  /** Stream of one build's output lines, ending with an "end" entry. */
  buildLog: (buildId: string) => string;
  /** Lock held while a push of the app is being built and deployed. */
  pushLock: (appId: string) => string;
  /** Lock held while the app is being deployed (one deploy per app at a time). */
  deployLock: (appId: string) => string;
  /** Hash: instance id -> JSON instance health, per app. */
  instances: (appId: string) => string;
  /** Heartbeats of Gantry's own services. */
  serviceHealth: (service: string) => string;
}

export function keysFor(instance: string): Keys {
  const p = `gantry:${instance}:`;
  return {
    prefix: p,
    routes: `${p}routes`,
    routesVersion: `${p}routes:version`,
    routesChanged: `${p}routes:changed`,
    routers: `${p}routers`,
    buildLog: (id) => `${p}build:${id}:log`,
    pushLock: (appId) => `${p}lock:push:${appId}`,
    deployLock: (appId) => `${p}lock:deploy:${appId}`,
    instances: (appId) => `${p}instances:${appId}`,
    serviceHealth: (service) => `${p}health:${service}`,
  };
}

/** BullMQ's own key prefix for this installation's queues. */
export function queuePrefix(instance: string): string {
  return `gantry:${instance}:bull`;
}
