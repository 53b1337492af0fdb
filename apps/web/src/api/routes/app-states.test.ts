import { describe, expect, it } from 'vitest';
import { appState } from './app-states';
import { entriesFromStoredLog } from './build-output';
import { instanceSeries } from './metrics-instances';

describe('appState', () => {
  it.each([
    [{ building: true, releasing: false, instances: ['healthy'] }, 'deploying'],
    [{ building: false, releasing: true, instances: [] }, 'deploying'],
    [{ building: false, releasing: false, instances: ['healthy', 'crashed'] }, 'crashed'],
    [{ building: false, releasing: false, instances: ['healthy', 'starting'] }, 'running'],
    [{ building: false, releasing: false, instances: ['unhealthy'] }, 'running'],
    [{ building: false, releasing: false, instances: ['stopped', undefined] }, 'idle'],
    [{ building: false, releasing: false, instances: [] }, 'idle'],
  ] as const)('%j -> %s', (input, want) => {
    expect(appState({ ...input, instances: [...input.instances] })).toBe(want);
  });
});

describe('entriesFromStoredLog', () => {
  it('replays a finished build as lines and an end entry', () => {
    expect(entriesFromStoredLog({ status: 'succeeded', log: 'a\nb', error: null })).toEqual([
      { kind: 'line', text: 'a' },
      { kind: 'line', text: 'b' },
      { kind: 'end', ok: true, message: 'Build succeeded' },
    ]);
    expect(entriesFromStoredLog({ status: 'failed', log: null, error: 'no Procfile' })).toEqual([{ kind: 'end', ok: false, message: 'no Procfile' }]);
  });
});

describe('instanceSeries', () => {
  it('splits the usage hashes per process (replaced instances summed), null where a bucket has no sample', () => {
    const out = instanceSeries(
      [0, 10_000, 20_000],
      [{ 'cpu:aaaaaaaa-1': '1.5', 'mem:aaaaaaaa-1': '100', 'cpu:cccccccc-3': '1', 'mem:cccccccc-3': '10' }, {}, { 'cpu:aaaaaaaa-1': '2', 'mem:aaaaaaaa-1': '120', 'cpu:bbbbbbbb-2': '0', 'mem:bbbbbbbb-2': '50', junk: 'x' }],
      new Map([
        ['aaaaaaaa-1', 'web.2'],
        ['cccccccc-3', 'web.2'],
      ]),
    );
    expect(out.bucketSeconds).toBe(10);
    expect(out.times).toEqual(['1970-01-01T00:00:00.000Z', '1970-01-01T00:00:10.000Z', '1970-01-01T00:00:20.000Z']);
    expect(out.instances).toEqual([
      { id: 'bbbbbbbb-2', process: 'bbbbbbbb (gone)', cpuPercent: [null, null, 0], memUsed: [null, null, 50] },
      { id: 'aaaaaaaa-1', process: 'web.2', cpuPercent: [2.5, null, 2], memUsed: [110, null, 120] },
    ]);
  });
});
