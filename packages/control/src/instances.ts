/**
 * ps:restart and ps:stop: which running instances a user means (every one, a process type, or
 * one instance like web.2), checked against the team's access. The running system does the rest
 * (the scheduler replaces them: a restart starts the new one first, a stop stops first), so the
 * use case takes the instance store as a port and only records the request.
 */
import { InvalidInput, NotFound } from '@gantry/core';
import { appFor } from './access';
import { announce } from './events';
import { audit } from './audit';
import type { Actor, Ctx } from './context';

export type RestartMode = 'restart' | 'stop';

export interface RunningInstance {
  id: string;
  type: string;
  index: number;
}

export interface InstanceRequests {
  /** The app's instances that should run (not those already leaving). */
  running(appId: string): Promise<RunningInstance[]>;
  request(appId: string, ids: string[], mode: RestartMode): Promise<void>;
}

const TARGET = /^([a-zA-Z0-9_-]{1,30})(?:\.(\d{1,4}))?$/;

/** "web" -> { type }, "web.2" -> { type, index }; undefined -> every instance. */
export function parseTarget(target: string | undefined): { type?: string; index?: number } {
  if (target === undefined || target === '') return {};
  const m = TARGET.exec(target);
  if (!m || (m[2] !== undefined && Number(m[2]) < 1)) throw new InvalidInput(`Name a process type (web) or an instance (web.2), not ${JSON.stringify(target)}.`);
  return m[2] === undefined ? { type: m[1]! } : { type: m[1]!, index: Number(m[2]) };
}

export async function restartInstances(ctx: Ctx, actor: Actor, appName: string, input: { target?: string; mode: RestartMode }, instances: InstanceRequests) {
  const { type, index } = parseTarget(input.target);
  if (input.mode === 'stop' && type === undefined) throw new InvalidInput('Name what to stop: a process type (web) or an instance (web.2).');
  const app = await appFor(ctx, actor, appName, 'write');
  const running = await instances.running(app.id);
  const chosen = running.filter((i) => (type === undefined || i.type === type) && (index === undefined || i.index === index));
  if (chosen.length === 0) {
    if (type === undefined) throw new InvalidInput(`${app.name} runs no instances: push it first, or scale it (gantry ps:scale web=1).`);
    const types = [...new Set(running.map((i) => i.type))].sort();
    if (!types.includes(type)) throw new InvalidInput(`${app.name} runs no ${type} instances. Running: ${types.join(', ') || 'none'}.`);
    throw new NotFound('Instance', input.target!);
  }
  await instances.request(app.id, chosen.map((i) => i.id), input.mode);
  await ctx.live?.wake(app.id, `${input.mode} of ${input.target ?? 'every instance'} by ${actor.email}`);
  const what = input.target ?? 'all instances';
  await audit(ctx, actor, app, input.mode === 'stop' ? 'ps.stop' : 'ps.restart', what);
  await announce(ctx, app.id, `${input.mode === 'stop' ? 'Stopping' : 'Restarting'} ${what} by ${actor.email}`);
  const processes = [...new Set(chosen.map((i) => `${i.type}.${i.index}`))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return { app, processes };
}
