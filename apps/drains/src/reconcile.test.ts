import { describe, expect, it } from 'vitest';
import { planDrains, type DrainSpec } from './reconcile';

const d = (id: string, appId = 'a1', url = `syslog://h:${id.length}`): DrainSpec => ({ id, appId, appName: appId, url, token: `d.${id}` });
const running = (...specs: DrainSpec[]) => new Map(specs.map((s) => [s.id, s]));

describe('planDrains', () => {
  it.each([
    ['starts new drains', [d('x'), d('y')], running(d('x')), undefined, { start: ['y'], stop: [] }],
    ['stops removed drains', [d('x')], running(d('x'), d('y')), undefined, { start: [], stop: ['y'] }],
    ['keeps unchanged drains', [d('x')], running(d('x')), undefined, { start: [], stop: [] }],
    ['restarts a drain whose URL changed', [d('x', 'a1', 'https://new')], running(d('x')), undefined, { start: ['x'], stop: ['x'] }],
    ['leaves other apps alone in a one-app sync', [d('x', 'a1')], running(d('y', 'a2')), 'a1', { start: ['x'], stop: [] }],
    ['stops the last drain of the synced app', [], running(d('x', 'a1'), d('y', 'a2')), 'a1', { start: [], stop: ['x'] }],
  ] as const)('%s', (_name, desired, run, only, expected) => {
    const plan = planDrains(desired, run, only);
    expect({ start: plan.start.map((s) => s.id), stop: plan.stop }).toEqual(expected);
  });
});
