import { describe, expect, it } from 'vitest';
import type { AddonDetailsView, AddonView } from '@gantry/api-client';
import { buildProgram } from '../main';
import { attachedAs, destroyLoss } from './addons';
import { detailsFields, redisCliArgv } from './addon-servers';
import { hostOf, mountedAs, moveSummary } from './volumes';

const pg: AddonView = {
  name: 'postgres-shiny-1234',
  kind: 'postgres',
  plan: 'small',
  team: 'acme',
  state: 'available',
  host: 'node-2',
  privateName: 'postgres-shiny-1234.internal',
  port: 5432,
  volume: 'addon-postgres-shiny-1234',
  attachments: [
    { addon: 'postgres-shiny-1234', app: 'shop', name: 'DATABASE', configVar: 'DATABASE_URL', createdAt: '' },
    { addon: 'postgres-shiny-1234', app: 'admin', name: 'SHOP_DB', configVar: 'SHOP_DB_URL', createdAt: '' },
  ],
  lastBackup: null,
  backupSchedule: { at: '02:00', keep: 7 },
  ha: null,
  createdAt: '2026-12-05T00:00:00Z',
};

describe('add-on output', () => {
  it('shows attachments Heroku-style', () => {
    expect(attachedAs(pg)).toBe('shop::DATABASE, admin::SHOP_DB');
    expect(attachedAs({ ...pg, attachments: [] })).toBe('-');
  });

  it('names what addons:destroy loses', () => {
    expect(destroyLoss(pg)).toBe('its postgres server on node-2, its data volume addon-postgres-shiny-1234, and DATABASE_URL of shop, SHOP_DB_URL of admin; a final backup is taken first');
    expect(destroyLoss(undefined)).toMatch(/final backup is taken first/);
  });

  it('puts live figures first in pg:info, "unknown" when the server could not tell', () => {
    const d: AddonDetailsView = { ...pg, version: '15.10', sizeBytes: 8 * 1024 * 1024, connections: 3, tables: [{ name: 'users', rows: 120 }], keys: null, problem: null };
    const fields = Object.fromEntries(detailsFields(d));
    expect(fields).toMatchObject({ Version: '15.10', 'Data size': '8 MB', Connections: '3', Tables: 'users (~120 rows)', Host: 'node-2', Backups: 'daily at 02:00 UTC, 7 kept' });
    const down = Object.fromEntries(detailsFields({ ...d, kind: 'redis', version: null, sizeBytes: null, connections: null, tables: null, problem: 'connection refused' }));
    expect(down).toMatchObject({ Version: 'unknown', 'Memory used': 'unknown', Connections: 'unknown', Keys: 'unknown' });
  });

  it('runs redis-cli against the private name, without a shell', () => {
    expect(redisCliArgv('redis-tidy-7777.internal', 6379)).toEqual(['redis-cli', '-h', 'redis-tidy-7777.internal', '-p', '6379']);
  });

  it('sums up a move: files and bytes of a copy, the pause of its users', () => {
    expect(moveSummary({ name: 'uploads', from: 'node-1', to: 'node-2', method: 'copy', files: 12, bytes: 3 * 1024 * 1024, stoppedMs: 4210, copyMs: 1100 })).toBe(
      'Moved uploads from node-1 to node-2: 12 files, 3 MB; its users were stopped for 4.2s (copy 1.1s), and start on node-2 now.',
    );
    expect(moveSummary({ name: 'postgres-x-1', from: 'a', to: 'b', method: 'replication', files: 0, bytes: 0, stoppedMs: 2500, copyMs: 30000 })).toBe(
      'Moved postgres-x-1 from a to b: a standby caught up by streaming replication, then took over; its users were stopped for 2.5s, and start on b now.',
    );
    expect(hostOf({ host: 'node-1', movingTo: 'node-2' })).toBe('node-1 -> node-2 (moving)');
    expect(hostOf({ host: null, movingTo: null })).toBe('on first use');
  });

  it('shows where a volume is mounted', () => {
    const v = { name: 'uploads', team: 'acme', host: 'node-1', app: 'shop', processType: 'worker', mountPath: '/app/data', addon: null, movingTo: null, createdAt: '' };
    expect(mountedAs(v)).toBe('shop worker:/app/data');
    expect(mountedAs({ ...v, app: null, processType: null, mountPath: null })).toBe('-');
  });
});

describe('gantry help', () => {
  it('lists the add-on, backup and volume commands in their groups', () => {
    const help = buildProgram().helpInformation();
    for (const g of ['Add-ons:', 'Postgres and Redis:', 'Backups:', 'Volumes:']) expect(help).toContain(g);
    for (const c of ['addons:create', 'addons:attach', 'addons:destroy', 'pg:info', 'pg:psql', 'redis:cli', 'pg:credentials:rotate', 'pg:backups:capture', 'pg:backups:restore', 'pg:backups:download', 'pg:backups:schedule', 'redis:backups:capture', 'volumes:mount', 'volumes:destroy']) {
      expect(help).toContain(c);
    }
  });
});
