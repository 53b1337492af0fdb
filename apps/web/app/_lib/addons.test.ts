import { describe, expect, it } from 'vitest';
import { addonTone, backupDownloadHref, backupIsBad, backupTone, verifyTone } from './addons';

describe('add-on colours', () => {
  it.each([
    ['available', 'ok'],
    ['provisioning', 'warn pulse'],
    ['restarting', 'warn pulse'],
    ['unavailable', 'bad'],
    ['something-new', 'warn'],
  ])('state %s -> %s', (state, tone) => expect(addonTone(state)).toBe(tone));

  it('colours backups and their checks', () => {
    expect([backupTone('succeeded'), backupTone('running'), backupTone('failed')]).toEqual(['ok', 'info pulse', 'bad']);
    expect([verifyTone('passed'), verifyTone('pending'), verifyTone('failed'), verifyTone(null)]).toEqual(['ok', 'info pulse', 'bad', '']);
  });

  it.each([
    [{ status: 'succeeded', verify: null }, false],
    [{ status: 'succeeded', verify: 'passed' }, false],
    [{ status: 'running', verify: null }, false],
    [{ status: 'failed', verify: null }, true],
    [{ status: 'succeeded', verify: 'failed' }, true],
  ])('a backup %o is red: %s', (b, bad) => expect(backupIsBad(b)).toBe(bad));

  it('links a backup to its download route, names escaped', () => {
    expect(backupDownloadHref('/api/v1', { addon: 'postgres-shiny-1234', id: 'b001' })).toBe('/api/v1/addons/postgres-shiny-1234/backups/b001/download');
    expect(backupDownloadHref('/api/v1', { addon: 'a/b', id: 'b 1' })).toBe('/api/v1/addons/a%2Fb/backups/b%201/download');
  });
});
