import { join } from 'node:path';

/**
 * A process the supervisor runs: one or more of Gantry's services (its parts) co-hosted in one
 * Node process, since each process costs its own Node, libraries and Prisma query compiler.
 */
export interface ServiceDef {
  name: string;
  /** The services it runs (their heartbeats, loggers and tests name these). */
  parts: readonly string[];
  /** Which bundle of the production build runs it (a key of BUNDLES). */
  bundle: keyof typeof BUNDLES;
  /** Extra environment for this service. */
  env?: Record<string, string>;
  /** Node's flags for its compiled bundle, when not PRODUCTION_NODE_FLAGS. */
  nodeFlags?: readonly string[];
}

/** Every program of the production build: bundle name -> TypeScript entry (from the repository root). */
export const BUNDLES = {
  supervisor: 'apps/supervisor/src/main.ts',
  front: 'apps/supervisor/src/programs/front.ts',
  control: 'apps/supervisor/src/programs/control.ts',
  router: 'apps/router/src/main.ts',
  agent: 'apps/agent/src/main.ts',
} as const;

/**
 * Flags for the processes that mostly wait (gantryd, the agents: a worker host runs nothing else
 * of Gantry's, budget 60 MB): as PRODUCTION_NODE_FLAGS, with a young generation of 3 x 1 MB, no
 * optimizing compiler and lazy parsing (measured on the agent: 91 -> 76 MB resident).
 */
export const LEAN_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--liftoff-only', '--no-opt', '--max-lazy'];

/** The agent of one host the control plane runs itself. */
export function agentService(hostName: string): ServiceDef {
  return { name: `agent-${hostName}`, parts: [`agent-${hostName}`], bundle: 'agent', nodeFlags: LEAN_NODE_FLAGS, env: { GANTRY_AGENT_HOST: hostName } };
}

/**
 * What runs apart, and why: the router alone (it keeps serving through a Redis or Postgres outage
 * and is the request path); the services users reach (front) apart from those working behind
 * them (control), so that a builder that dies mid-build does not take the push's connection down
 * with it; each host's agent alone (a worker host runs nothing else).
 */
export const SERVICES: readonly ServiceDef[] = [
  { name: 'front', parts: ['web', 'git'], bundle: 'front' },
  { name: 'control', parts: ['scheduler', 'builder', 'drains'], bundle: 'control' },
  // The production flags: bench:router measured no throughput or p99 difference between young
  // generations of 3 x 1, 3 x 16 MB and V8's default (3 rounds and 8).
  { name: 'router', parts: ['router'], bundle: 'router' },
];

/**
 * Node's flags for a compiled service, for memory (measured per process, bench:footprint):
 *   --max-semi-space-size=4  a young generation of at most 3 x 4 MB (V8's default lets it grow to
 *                            3 x 16 MB, which an idle service then keeps resident for nothing);
 *   --liftoff-only           WebAssembly compiled by the baseline compiler only: Prisma's query
 *                            compiler is a WebAssembly module, and optimizing it kept 23 MB more
 *                            resident per process that queries (a probe: connect, 52 queries), with
 *                            those queries no faster.
 */
export const PRODUCTION_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--liftoff-only'];

/**
 * argv to run a program: its compiled bundle when `dist` is given (production: `npm run up`),
 * else its TypeScript entry through tsx (development and tests without a build).
 */
export function programArgv(root: string, bundle: keyof typeof BUNDLES, dist: string | undefined, nodeFlags = PRODUCTION_NODE_FLAGS): string[] {
  if (dist) return [process.execPath, ...nodeFlags, join(dist, `${bundle}.mjs`)];
  return [process.execPath, '--import', 'tsx', join(root, BUNDLES[bundle])];
}

export function serviceArgv(root: string, def: ServiceDef, dist: string | undefined): string[] {
  return programArgv(root, def.bundle, dist, def.nodeFlags);
}

/** Restart delay after the n-th quick crash in a row: 0.5 s doubling up to 30 s. */
export function backoffMs(crashesInARow: number): number {
  return Math.min(500 * 2 ** Math.max(0, crashesInARow - 1), 30_000);
}
