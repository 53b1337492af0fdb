import { describe, expect, it } from 'vitest';
import { CliError, appFromGitUrl, checkAppName, checkConfigKey, joinTopic, parseBuildNumber, parseCount, parseVersion, suggestCommand } from './args';

describe('appFromGitUrl', () => {
  it.each([
    ['http://localhost:7070/my-app.git', 'my-app'],
    ['http://localhost:7070/my-app', 'my-app'],
    ['https://git.example.com/my-app.git/', 'my-app'],
    ['https://user@git.example.com:8443/team/my-app.git', 'my-app'],
    ['ssh://git@git.example.com/my-app.git', 'my-app'],
    ['git@git.example.com:my-app.git', 'my-app'],
    ['  http://localhost:7070/my-app.git\n', 'my-app'],
  ])('%s -> %s', (url, app) => expect(appFromGitUrl(url)).toBe(app));

  it.each(['http://localhost:7070/', 'http://localhost:7070/My_App.git', 'http://localhost:7070/a.git', '', 'git@host:'])('%s -> undefined', (url) => {
    expect(appFromGitUrl(url)).toBeUndefined();
  });
});

describe('validation before any network call', () => {
  it('checks app names with the same rules as the server', () => {
    expect(checkAppName('my-app')).toBe('my-app');
    expect(() => checkAppName('Bad_Name')).toThrow(/Invalid app name "Bad_Name": it may contain only lowercase/);
    expect(() => checkAppName('ab')).toThrow(CliError);
  });

  it('accepts v3 and 3 as versions, nothing else', () => {
    expect(parseVersion('v3')).toBe(3);
    expect(parseVersion('V12')).toBe(12);
    expect(parseVersion('3')).toBe(3);
    for (const bad of ['v0', '0', 'x3', '3.5', '-1', '', 'v']) expect(() => parseVersion(bad)).toThrow(/Invalid release version/);
  });

  it('accepts build numbers with or without #', () => {
    expect(parseBuildNumber('#4')).toBe(4);
    expect(parseBuildNumber('4')).toBe(4);
    expect(() => parseBuildNumber('four')).toThrow(/Invalid build number/);
  });

  it('bounds counts', () => {
    expect(parseCount('0', 'lines', 0, 10)).toBe(0);
    expect(() => parseCount('11', 'lines', 0, 10)).toThrow(/from 0 to 10/);
    expect(() => parseCount('1e2', 'lines', 0, 1000)).toThrow(CliError);
  });

  it('checks config var names', () => {
    expect(checkConfigKey('DATABASE_URL')).toBe('DATABASE_URL');
    expect(() => checkConfigKey('1X')).toThrow(/Invalid config var name/);
    expect(() => checkConfigKey('A-B')).toThrow(CliError);
  });

  it('gives CliErrors exit code 1 unless told otherwise', () => {
    expect(new CliError('x').exitCode).toBe(1);
  });
});

describe('suggestCommand', () => {
  const names = ['apps', 'apps:create', 'create', 'apps:destroy', 'config', 'config:set', 'config:unset', 'ps', 'ps:scale', 'releases:rollback', 'logs'];

  it('fixes typos in topic:command names', () => {
    expect(suggestCommand('confg:set', names)).toBe('config:set');
    expect(suggestCommand('ps:scal', names)).toBe('ps:scale');
    expect(suggestCommand('ps:sacle', names)).toBe('ps:scale');
    expect(suggestCommand('releases:rolback', names)).toBe('releases:rollback');
    expect(suggestCommand('lgos', names)).toBe('logs');
  });

  it('finds a command by the part after its topic', () => {
    expect(suggestCommand('destroy', names)).toBe('apps:destroy');
    expect(suggestCommand('scale', names)).toBe('ps:scale');
    expect(suggestCommand('rollback', names)).toBe('releases:rollback');
  });

  it('suggests nothing for unrelated words', () => {
    expect(suggestCommand('frobnicate', names)).toBeUndefined();
  });
});

describe('joinTopic', () => {
  const names = new Set(['config', 'config:set', 'apps', 'apps:create']);
  it('turns "config set A=1" into "config:set A=1"', () => {
    expect(joinTopic(['config', 'set', 'A=1'], names)).toEqual(['config:set', 'A=1']);
    expect(joinTopic(['apps', 'create', 'my-app'], names)).toEqual(['apps:create', 'my-app']);
  });
  it('leaves everything else alone', () => {
    expect(joinTopic(['config', '--json'], names)).toEqual(['config', '--json']);
    expect(joinTopic(['config:set', 'set'], names)).toEqual(['config:set', 'set']);
    expect(joinTopic(['config', 'get'], names)).toEqual(['config', 'get']);
  });
});
