import { join } from 'node:path';

/** Gantry's services as the supervisor runs them: one Node process each. */
export interface ServiceDef {
  name: string;
  /** Entry file, relative to the repository root. */
  entry: string;
  /** Extra environment for this service. */
  env?: Record<string, string>;
}

/** The agent of one host the control plane runs itself. */
export function agentService(hostName: string): ServiceDef {
  return { name: `agent-${hostName}`, entry: 'apps/agent/src/main.ts', env: { GANTRY_AGENT_HOST: hostName } };
}

export const SERVICES: readonly ServiceDef[] = [
  { name: 'web', entry: 'apps/web/src/server.ts' },
  { name: 'git', entry: 'apps/git/src/main.ts' },
  { name: 'builder', entry: 'apps/builder/src/main.ts' },
  { name: 'scheduler', entry: 'apps/scheduler/src/main.ts' },
  { name: 'router', entry: 'apps/router/src/main.ts' },
  { name: 'drains', entry: 'apps/drains/src/main.ts' },
];

/** argv to run a service: this Node with tsx (TypeScript without a build step). */
export function serviceArgv(root: string, def: ServiceDef): string[] {
  return [process.execPath, '--import', 'tsx', join(root, def.entry)];
}

/** Restart delay after the n-th quick crash in a row: 0.5 s doubling up to 30 s. */
export function backoffMs(crashesInARow: number): number {
  return Math.min(500 * 2 ** Math.max(0, crashesInARow - 1), 30_000);
}
