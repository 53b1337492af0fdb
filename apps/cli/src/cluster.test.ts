import { describe, expect, it } from 'vitest';
import type { FormationEntryView, HostView, InstanceView } from '@gantry/api-client';
import {
  formationLine,
  formationRow,
  hasMessage,
  hostInstanceState,
  hostRow,
  hostStatus,
  hostStatusStyle,
  instanceColumns,
  instanceRow,
  messageBlocks,
  scaleProgress,
  scaleSummary,
  sidecarRows,
  sidecarStateText,
  sortInstances,
  stateStyle,
  stateText,
} from './cluster';
import { renderTable } from './output';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const MB = 1024 * 1024;

function inst(process: string, state: InstanceView['state'], extra: Partial<InstanceView> = {}): InstanceView {
  return {
    id: `id-${process}`,
    process,
    type: process.split('.')[0]!,
    release: 4,
    state,
    host: 'node-1',
    address: '10.0.0.2',
    port: 32768,
    privateIp: null,
    since: '2026-01-10T11:58:00Z',
    exitCode: null,
    restarts: 0,
    message: null,
    routed: state === 'up',
    ...extra,
  };
}

const f = (type: string, quantity: number, size = 'standard-1x', extra: Partial<FormationEntryView> = {}): FormationEntryView => ({ type, quantity, size, command: `run ${type}`, constraints: [], sleepAfter: null, sleepingSince: null, ...extra });

describe('ps rows', () => {
  it('shows process, state, release, host, address:port, since', () => {
    expect(instanceRow(inst('web.1', 'up'), NOW)).toEqual(['web.1', 'up', 'v4', 'node-1', '10.0.0.2:32768', '', '2m ago', '']);
  });

  it('shows the first line of why an instance crashed, is unhealthy or pending', () => {
    const crashed = inst('web.2', 'crashed', { exitCode: 1, message: 'Error: Cannot find module "express"\n    at Module._resolveFilename' });
    expect(instanceRow(crashed, NOW)).toEqual(['web.2', 'crashed (exit 1)', 'v4', 'node-1', '10.0.0.2:32768', '', '2m ago', 'Error: Cannot find module "express"']);
    const pending = inst('web.3', 'pending', { release: null, host: null, address: null, port: null, message: 'No host has 512 MB free' });
    expect(instanceRow(pending, NOW)).toEqual(['web.3', 'pending', '', '', '', '', '2m ago', 'No host has 512 MB free']);
    expect(hasMessage(inst('worker.1', 'unhealthy', { message: 'GET /health: 500' }))).toBe(true);
    // Other states keep their message out of the table.
    expect(instanceRow(inst('web.4', 'stopping', { message: 'scaled down' }), NOW)[7]).toBe('');
    expect(hasMessage(inst('web.5', 'crashed'))).toBe(false);
  });

  it('says crashed without an exit code when there is none', () => {
    expect(stateText(inst('web.1', 'crashed'))).toBe('crashed');
    expect(stateText(inst('web.1', 'crashed', { exitCode: 137 }))).toBe('crashed (exit 137)');
  });

  it('colours states', () => {
    expect(stateStyle('up')).toBe('green');
    for (const s of ['starting', 'pending', 'stopping']) expect(stateStyle(s)).toBe('yellow');
    for (const s of ['crashed (exit 1)', 'unhealthy', 'lost']) expect(stateStyle(s)).toBe('red');
    expect(stateStyle('stopped')).toBeUndefined();
  });

  it('sorts web.2 before web.10, keeping the order within a slot', () => {
    const a = inst('web.1', 'up', { id: 'old' });
    const b = inst('web.1', 'starting', { id: 'new' });
    expect(sortInstances([inst('web.10', 'up'), a, inst('worker.1', 'up'), inst('web.2', 'up'), b]).map((i) => i.id)).toEqual(['old', 'new', 'id-web.2', 'id-web.10', 'id-worker.1']);
  });

  it('lays out a table whose message column is cut to fit', () => {
    const rows = [instanceRow(inst('web.1', 'up', { privateIp: '100.64.17.2' }), NOW), instanceRow(inst('web.2', 'crashed', { exitCode: 1, message: 'x'.repeat(80) }), NOW)];
    const lines = renderTable(instanceColumns(true), rows, 100);
    expect(lines[0]).toBe('Process  State             Release  Host    Address         Private      Since   Message');
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(100);
    expect(lines[1]).toMatch(/^web\.1 +up +v4 +node-1 +10\.0\.0\.2:32768 +100\.64\.17\.2 +2m ago/);
    expect(lines[2]).toMatch(/^web\.2 +crashed \(exit 1\) +v4 +node-1 +10\.0\.0\.2:32768 +2m ago +x+…$/);
  });

  it('prints the full messages with -v', () => {
    const list = [inst('web.1', 'up'), inst('web.2', 'crashed', { exitCode: 1, restarts: 2, message: 'boom\n  at a\n' }), inst('web.3', 'pending', { message: 'no room' })];
    expect(messageBlocks(list)).toEqual(['', 'web.2 (crashed (exit 1), 2 restarts):', '  boom', '    at a', '', 'web.3 (pending):', '  no room']);
  });
});

describe('formation', () => {
  const formation = [f('web', 3), f('worker', 1, 'basic', { constraints: [{ label: 'region', op: '=', value: 'eu' }, { label: 'disk', op: '!=', value: 'hdd' }] })];

  it('summarises a scale in the order given', () => {
    expect(scaleSummary(formation, ['worker', 'web'])).toBe('worker at 1:basic, web at 3:standard-1x');
    expect(scaleSummary(formation, ['web'])).toBe('web at 3:standard-1x');
    expect(formationLine(formation)).toBe('web=3:standard-1x worker=1:basic');
  });

  it('has rows with constraints', () => {
    expect(formationRow(formation[0]!)).toEqual(['web', '3', 'standard-1x', '-', 'run web']);
    expect(formationRow(formation[1]!)).toEqual(['worker', '1', 'basic', 'region=eu, disk!=hdd', 'run worker']);
  });
});

describe('scaleProgress', () => {
  it('is done when every scaled type has exactly its quantity, all up', () => {
    const p = scaleProgress([inst('web.1', 'up'), inst('web.2', 'up'), inst('worker.1', 'crashed')], { web: 2 });
    expect(p).toMatchObject({ done: true, text: 'web 2/2 up', notUp: [] });
  });

  it('waits for new instances (scale up) and leaving ones (scale down)', () => {
    expect(scaleProgress([inst('web.1', 'up')], { web: 3 })).toMatchObject({ done: false, text: 'web 1/3 up' });
    const down = scaleProgress([inst('web.1', 'up'), inst('web.2', 'stopping')], { web: 1 });
    expect(down).toMatchObject({ done: false, text: 'web 1/1 up' });
    expect(down.notUp.map((i) => i.process)).toEqual(['web.2']);
    expect(scaleProgress([inst('web.1', 'up'), inst('web.2', 'stopped')], { web: 1 }).done).toBe(true);
  });

  it('handles several types and zero', () => {
    const p = scaleProgress([inst('web.1', 'up'), inst('web.2', 'starting'), inst('worker.1', 'up')], { web: 2, worker: 0 });
    expect(p).toMatchObject({ done: false, text: 'web 1/2 up, worker 1/0 up' });
    expect(p.notUp.map((i) => i.process)).toEqual(['web.2']);
    expect(scaleProgress([], { worker: 0 }).done).toBe(true);
  });
});

describe('hosts', () => {
  const host: HostView = {
    id: 'h1',
    name: 'node-1',
    dockerUrl: 'tcp://10.0.0.2:2376',
    dockerTransport: 'tls',
    address: '10.0.0.2',
    labels: { region: 'eu', disk: 'ssd' },
    cpus: 4,
    memoryBytes: 8192 * MB,
    managed: true,
    draining: false,
    status: 'up',
    lastSeen: '2026-01-10T11:59:58Z',
    dockerError: null,
    usage: { cpuPercent: 12.4, memoryBytes: 1229 * MB, containers: 3 },
    allocated: { memoryBytes: 1536 * MB, cpuShares: 1536, instances: 3 },
    agentCommand: null,
  };

  it('has a row with capacity, allocation, usage and labels', () => {
    expect(hostRow(host)).toEqual(['node-1', 'up', '10.0.0.2', '4', '8 GB', '1.5 GB', '3', '12% cpu, 1.2 GB', 'region=eu,disk=ssd']);
    expect(hostRow({ ...host, usage: null, labels: {} }).slice(7)).toEqual(['', '']);
  });

  it('marks draining hosts and colours the status', () => {
    expect(hostStatus(host)).toBe('up');
    expect(hostStatus({ status: 'down', draining: true })).toBe('down, draining');
    expect(hostStatusStyle('up')).toBe('green');
    expect(hostStatusStyle('up, draining')).toBe('yellow');
    expect(hostStatusStyle('down, draining')).toBe('red');
  });

  it('names the states of the instances on a host like ps does', () => {
    expect(hostInstanceState('healthy', 'run')).toBe('up');
    expect(hostInstanceState('healthy', 'stop')).toBe('stopping');
    expect(hostInstanceState('stopped', 'stop')).toBe('stopped');
    expect(hostInstanceState('crashed', 'run')).toBe('crashed');
  });
});

describe('sidecar rows (ps)', () => {
  const sc = (name: string, state: 'running' | 'restarting', extra: Record<string, unknown> = {}) => ({
    name,
    process: `web.1/${name}`,
    state,
    restarts: 0,
    since: '2026-01-10T11:59:00Z',
    exitCode: null,
    message: null,
    ...extra,
  });

  it('lists an instance\'s sidecars under it with state, restarts and since', () => {
    const i = inst('web.1', 'up', { sidecars: [sc('metrics', 'running', { restarts: 2 }), sc('shipper', 'restarting', { restarts: 1, exitCode: 137, message: 'could not start: x\ny' })] });
    expect(sidecarRows(i, NOW)).toEqual([
      ['web.1/metrics', 'running, 2 restarts', '', '', '', '1m ago', ''],
      ['web.1/shipper', 'restarting (exit 137), 1 restart', '', '', '', '1m ago', 'could not start: x'],
    ]);
    expect(sidecarRows(inst('web.2', 'up'), NOW)).toEqual([]);
  });

  it('colours sidecar states', () => {
    expect(sidecarStateText(sc('m', 'running'))).toBe('running');
    expect(stateStyle('running, 2 restarts')).toBe('green');
    expect(stateStyle('restarting (exit 1)')).toBe('yellow');
    expect(stateStyle('crashed (exit 1)')).toBe('red');
  });
});
