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
  /** Set of the hostnames an app is routed at. */
  appRoutes: (appId: string) => string;
  /** Hash: certificate name (maybe "*.example.com") -> JSON CertRecord; set of names per app; channel. */
  certs: string;
  appCerts: (appId: string) => string;
  certsChanged: string;
  /** Hash: router id -> JSON RouterPresence (which table version each live router serves). */
  routers: string;
  /** Stream of one build's output lines, ending with an "end" entry. */
  buildLog: (buildId: string) => string;
  /** Lock held while a push of the app is being built and deployed. */
  pushLock: (appId: string) => string;
  /** Lock held while the app is being deployed (one deploy per app at a time). */
  deployLock: (appId: string) => string;
  /** Heartbeats of Gantry's own services. */
  serviceHealth: (service: string) => string;
  /** Hash: allocation id -> JSON Allocation (the scheduler's decisions). */
  allocs: string;
  /** Set of allocation ids per app. */
  appAllocs: (appId: string) => string;
  /** Hash: allocation id -> JSON AllocationState (what agents observe). */
  allocStates: string;
  /** Hash: slot ("web.2") -> JSON placement report of slots that could not be placed. */
  pending: (appId: string) => string;
  /** Hash: host id -> JSON HostRecord (mirror of the hosts table for agents and the supervisor). */
  hosts: string;
  /** A host's heartbeat (expires). */
  hostBeat: (hostId: string) => string;
  /** Pub/sub: JSON AppEvent, from agents, the API and jobs, to wake the scheduler. */
  events: string;
  /** Pub/sub: the hosts registry changed. */
  hostsChanged: string;
  /** Scheduler leadership lease, and the fencing epoch bumped by every new leader. */
  leader: string;
  epoch: string;
  /** Live deploy of an app: JSON DeployRecord. */
  deploy: (appId: string) => string;
  /** Hash: allocation id -> "restart" | "stop", what users asked of an app's instances. */
  restarts: (appId: string) => string;
  /** A running one-off's lease (expires): its `gantry run` session is alive. */
  oneOffLease: (containerName: string) => string;
  /** Stream of one task's output (release phase, cron run...): lines, then an "end" entry with its result. */
  task: (taskId: string) => string;
  /** The host a task was given to (set once: a task id runs on one host only). */
  taskHost: (taskId: string) => string;
  /** Hash per team network: private address -> the container name holding it. */
  privateAddresses: (network: string) => string;
  /** Hash: app id -> JSON AppNames (its private names: what netds answer); version counter; pub/sub channel. */
  names: string;
  /** The netd image agents run (set by npm run up), and per host the "address:port" of its netd control server. */
  netdImage: string;
  netdPeers: string;
  /** Hash: add-on kind -> the image its servers run (set by npm run up). */
  addonImages: string;
  /** Hash: an HA add-on's backing app id -> JSON HaRecord (its Patroni cluster as its etcd last said). */
  addonHa: string;
  /** JSON { managerAddr, token }: how an agent whose engine the control plane cannot reach joins the swarm itself. */
  swarmJoin: string;
  namesVersion: string;
  namesChanged: string;
}

export function keysFor(instance: string): Keys {
  const p = `gantry:${instance}:`;
  return {
    prefix: p,
    routes: `${p}routes`,
    routesVersion: `${p}routes:version`,
    routesChanged: `${p}routes:changed`,
    appRoutes: (appId) => `${p}routes:app:${appId}`,
    certs: `${p}certs`,
    appCerts: (appId) => `${p}certs:app:${appId}`,
    certsChanged: `${p}certs:changed`,
    routers: `${p}routers`,
    buildLog: (id) => `${p}build:${id}:log`,
    pushLock: (appId) => `${p}lock:push:${appId}`,
    deployLock: (appId) => `${p}lock:deploy:${appId}`,
    serviceHealth: (service) => `${p}health:${service}`,
    allocs: `${p}allocs`,
    appAllocs: (appId) => `${p}allocs:app:${appId}`,
    allocStates: `${p}alloc-states`,
    pending: (appId) => `${p}pending:${appId}`,
    hosts: `${p}hosts`,
    hostBeat: (hostId) => `${p}host-beat:${hostId}`,
    events: `${p}events`,
    hostsChanged: `${p}hosts:changed`,
    leader: `${p}scheduler:leader`,
    epoch: `${p}scheduler:epoch`,
    deploy: (appId) => `${p}deploy:${appId}`,
    restarts: (appId) => `${p}restarts:${appId}`,
    oneOffLease: (name) => `${p}run-lease:${name}`,
    task: (id) => `${p}task:${id}`,
    taskHost: (id) => `${p}task:${id}:host`,
    privateAddresses: (network) => `${p}private-ips:${network}`,
    names: `${p}names`,
    netdImage: `${p}netd:image`,
    netdPeers: `${p}netd:peers`,
    addonImages: `${p}addon:images`,
    addonHa: `${p}addon:ha`,
    swarmJoin: `${p}swarm:join`,
    namesVersion: `${p}names:version`,
    namesChanged: `${p}names:changed`,
  };
}

/** BullMQ's own key prefix for this installation's queues. */
export function queuePrefix(instance: string): string {
  return `gantry:${instance}:bull`;
}
