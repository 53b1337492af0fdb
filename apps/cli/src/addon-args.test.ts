import { describe, expect, it } from 'vitest';
import type { AddonView, BackupView } from '@gantry/api-client';
import { CliError } from './args';
import {
  backupFileName,
  checkAddonName,
  checkBackupId,
  checkMountPath,
  checkVolumeName,
  parseAddonKind,
  parseAttachmentName,
  parseBackupTime,
  parseKeep,
  parsePlan,
  pickAddon,
  pickBackup,
  splitBackupArgs,
} from './addon-args';

const addon = (name: string, kind: AddonView['kind'], attachments: [app: string, as: string][] = []): AddonView => ({
  name,
  kind,
  plan: 'small',
  team: 'acme',
  state: 'available',
  host: 'node-1',
  privateName: `${name}.internal`,
  port: kind === 'postgres' ? 5432 : 6379,
  volume: `addon-${name}`,
  attachments: attachments.map(([app, as]) => ({ addon: name, app, name: as, configVar: `${as}_URL`, createdAt: '2026-12-05T00:00:00Z' })),
  lastBackup: null,
  backupSchedule: null,
  ha: null,
  createdAt: '2026-12-05T00:00:00Z',
});

const backup = (id: string, status: string, extra: Partial<BackupView> = {}): BackupView => ({
  id,
  addon: 'postgres-shiny-1234',
  kind: 'postgres',
  trigger: 'manual',
  status,
  error: null,
  bytes: 1024,
  sha256: 'a'.repeat(64),
  location: `/backups/${id}`,
  verify: null,
  verifyDetail: null,
  createdAt: '2026-12-05T02:00:00Z',
  finishedAt: null,
  ...extra,
});

describe('add-on command input', () => {
  it.each([
    ['postgres', 'postgres'],
    ['PostgreSQL', 'postgres'],
    ['pg', 'postgres'],
    ['Redis', 'redis'],
  ])('kind %s is %s', (input, kind) => expect(parseAddonKind(input)).toBe(kind));

  it.each(['mysql', '', 'postgres15'])('refuses kind %j, listing the kinds', (input) => expect(() => parseAddonKind(input)).toThrow(/Kinds: postgres, redis/));

  it('takes the plans, any case, and lists them otherwise', () => {
    expect(parsePlan('Medium')).toBe('medium');
    expect(() => parsePlan('huge')).toThrow(/Plans: small, medium, large/);
  });

  it.each([
    ['database', 'DATABASE'],
    ['ANALYTICS_DB', 'ANALYTICS_DB'],
    [' cache ', 'CACHE'],
  ])('--as %j is %s', (input, name) => expect(parseAttachmentName(input)).toBe(name));

  it('refuses an --as that would not give NAME_URL', () => {
    expect(() => parseAttachmentName('DATABASE_URL')).toThrow(/--as DATABASE gives DATABASE_URL/);
    for (const bad of ['1DB', 'DATA-BASE', '', 'A'.repeat(51)]) expect(() => parseAttachmentName(bad), bad).toThrow(CliError);
  });

  it.each([
    ['02:00', '02:00'],
    ['2:00', '02:00'],
    ['23:59', '23:59'],
    ['00:00', '00:00'],
  ])('--at %s is %s', (input, at) => expect(parseBackupTime(input)).toBe(at));

  it.each(['24:00', '12:60', '2', '02:00 UTC', '0200', '-1:00', ''])('refuses --at %j', (input) => expect(() => parseBackupTime(input)).toThrow(/HH:MM/));

  it('keeps 1 to 90 backups', () => {
    expect([parseKeep('1'), parseKeep('7'), parseKeep('90')]).toEqual([1, 7, 90]);
    for (const bad of ['0', '91', '-1', '7.5', 'seven', '']) expect(() => parseKeep(bad), bad).toThrow(/1 to 90/);
  });

  it('checks add-on, volume and backup names', () => {
    expect(checkAddonName('postgres-shiny-1234')).toBe('postgres-shiny-1234');
    expect(() => checkAddonName('Postgres_1')).toThrow(/Invalid add-on name/);
    expect(checkVolumeName('uploads')).toBe('uploads');
    expect(() => checkVolumeName('up loads')).toThrow(/Invalid volume name/);
    expect(checkBackupId('B003')).toBe('b003');
    expect(() => checkBackupId('003')).toThrow(/like b003/);
  });

  it('checks mount paths', () => {
    expect(checkMountPath('/app/data/')).toBe('/app/data');
    for (const bad of ['app/data', '/', '/app/../etc', '/a b', '/data:ro', '/x,y', '/a/./b']) expect(() => checkMountPath(bad), bad).toThrow(CliError);
  });
});

describe('[ID] [NAME] of the backup commands', () => {
  it.each([
    [[undefined, undefined], {}],
    [['b003', undefined], { id: 'b003' }],
    [['postgres-shiny-1234', undefined], { addon: 'postgres-shiny-1234' }],
    [['b003', 'postgres-shiny-1234'], { id: 'b003', addon: 'postgres-shiny-1234' }],
    [['postgres-shiny-1234', 'B3'], { id: 'b3', addon: 'postgres-shiny-1234' }],
  ])('%j -> %j', (words, parsed) => expect(splitBackupArgs(words)).toEqual(parsed));

  it('refuses two ids or two names', () => {
    expect(() => splitBackupArgs(['b1', 'b2'])).toThrow(/Two backup ids/);
    expect(() => splitBackupArgs(['pg-one', 'pg-two'])).toThrow(/Two add-on names/);
    expect(() => splitBackupArgs(['Bad Name', undefined])).toThrow(/Invalid add-on name/);
  });

  it('names the default download file by kind', () => {
    expect(backupFileName('postgres-shiny-1234', 'b003', 'postgres')).toBe('postgres-shiny-1234-b003.dump');
    expect(backupFileName('redis-calm-4821', 'b001', 'redis')).toBe('redis-calm-4821-b001.rdb');
  });
});

describe('pickAddon', () => {
  const main = addon('postgres-main-1111', 'postgres', [['shop', 'DATABASE']]);
  const other = addon('postgres-other-2222', 'postgres', [['shop', 'ANALYTICS']]);
  const cache = addon('redis-calm-4821', 'redis', [['shop', 'CACHE']]);

  it('takes the add-on attached as DATABASE / REDIS, else the only one of the kind', () => {
    expect(pickAddon([other, main, cache], 'postgres', 'shop').name).toBe('postgres-main-1111');
    expect(pickAddon([other, cache], 'postgres', 'shop').name).toBe('postgres-other-2222');
    expect(pickAddon([main, cache], 'redis', 'shop').name).toBe('redis-calm-4821');
  });

  it('says how to create one, or to name one among several', () => {
    expect(() => pickAddon([cache], 'postgres', 'shop')).toThrow(/shop has no postgres add-on.*addons:create postgres -a shop/);
    const third = addon('postgres-third-3333', 'postgres', [['shop', 'REPORTS']]);
    expect(() => pickAddon([other, third], 'postgres', 'shop')).toThrow(/several postgres add-ons \(postgres-other-2222, postgres-third-3333\) and none attached as DATABASE/);
  });

  it('only counts the attachment of the app asked about', () => {
    const elsewhere = addon('postgres-main-1111', 'postgres', [['admin', 'DATABASE']]);
    expect(() => pickAddon([elsewhere, other], 'postgres', 'shop')).toThrow(/several/);
  });
});

describe('pickBackup', () => {
  const list = [backup('b004', 'running'), backup('b003', 'failed', { error: 'disk full' }), backup('b002', 'succeeded'), backup('b001', 'succeeded')];

  it('takes the newest succeeded backup when no id is given', () => {
    expect(pickBackup(list, 'pg', undefined).id).toBe('b002');
  });

  it('takes the named one, refusing failed, running and unknown ones', () => {
    expect(pickBackup(list, 'pg', 'b001').id).toBe('b001');
    expect(() => pickBackup(list, 'pg', 'b003')).toThrow(/failed \(disk full\): it cannot be used/);
    expect(() => pickBackup(list, 'pg', 'b004')).toThrow(/is running/);
    expect(() => pickBackup(list, 'pg', 'b009', 'redis')).toThrow(/no backup b009.*redis:backups/);
    expect(() => pickBackup([list[1]!], 'pg', undefined)).toThrow(/no succeeded backup yet/);
  });
});
