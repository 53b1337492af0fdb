import { describe, expect, it } from 'vitest';
import {
  CliError,
  appFromGitUrl,
  checkAddress,
  checkAppName,
  checkConfigKey,
  checkDockerUrl,
  checkHostName,
  checkProcessName,
  checkProcessType,
  formatConstraint,
  joinTopic,
  parseBatch,
  parseBuildNumber,
  parseConstraint,
  parseCount,
  parseCpus,
  parseLabels,
  parseScaleArgs,
  parseSizeName,
  parseTypeArgs,
  parseVersion,
  suggestCommand,
} from './args';

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

  it('knows the cluster commands', () => {
    const all = [...names, 'ps:type', 'ps:constraints', 'ps:explain', 'deploy:batch', 'hosts', 'hosts:info', 'hosts:add', 'hosts:drain', 'hosts:undrain', 'hosts:remove'];
    expect(suggestCommand('hosts:drian', all)).toBe('hosts:drain');
    expect(suggestCommand('host:add', all)).toBe('hosts:add');
    expect(suggestCommand('ps:constraint', all)).toBe('ps:constraints');
    expect(suggestCommand('explain', all)).toBe('ps:explain');
    expect(suggestCommand('undrain', all)).toBe('hosts:undrain');
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

describe('ps:scale arguments', () => {
  it('takes TYPE=N, Heroku-style', () => {
    expect(parseScaleArgs(['web=3', 'worker=0'])).toEqual({ web: { quantity: 3 }, worker: { quantity: 0 } });
    expect(parseScaleArgs(['web=100'])).toEqual({ web: { quantity: 100 } });
    expect(parseScaleArgs([])).toEqual({});
  });

  it('takes a size after the quantity, case-insensitively', () => {
    expect(parseScaleArgs(['web=2:standard-2x'])).toEqual({ web: { quantity: 2, size: 'standard-2x' } });
    expect(parseScaleArgs(['web=2:Standard-2X', 'clock_1=1:BASIC'])).toEqual({ web: { quantity: 2, size: 'standard-2x' }, clock_1: { quantity: 1, size: 'basic' } });
  });

  it('refuses release, which runs once per release and is never scaled', () => {
    expect(() => parseScaleArgs(['web=1', 'release=1'])).toThrow('release runs once per release, in the release phase; it cannot be scaled.');
    expect(() => parseTypeArgs(['release=basic'])).toThrow(/release runs once per release/);
  });

  it('refuses quantities that are not whole numbers from 0 to 100', () => {
    for (const bad of ['web=101', 'web=-1', 'web=1.5', 'web=', 'web=two', 'web=1e2', 'web=+1', 'web=0x1', 'web=1000']) {
      expect(() => parseScaleArgs([bad]), bad).toThrow(/Invalid quantity in .*: use a whole number from 0 to 100, e.g. web=2/);
    }
  });

  it('refuses other shapes, unknown sizes, bad types and repeated types', () => {
    expect(() => parseScaleArgs(['web'])).toThrow('Expected TYPE=N (e.g. web=2 or web=2:standard-2x), got "web".');
    expect(() => parseScaleArgs(['web=2:huge'])).toThrow(/Unknown size "huge". Sizes: basic \(256 MB\), standard-1x \(512 MB\), standard-2x \(1 GB\), performance-m \(2.5 GB\)/);
    expect(() => parseScaleArgs(['=2'])).toThrow(/Invalid process type ""/);
    expect(() => parseScaleArgs(['we b=2'])).toThrow(/Invalid process type/);
    expect(() => parseScaleArgs(['web=1', 'web=2'])).toThrow('web is given twice.');
    expect(() => parseScaleArgs(['web=1:'])).toThrow(/Unknown size ""/);
  });
});

describe('ps:type arguments and sizes', () => {
  it('takes TYPE=SIZE, case-insensitively', () => {
    expect(parseTypeArgs(['web=Standard-2X', 'worker=basic'])).toEqual({ web: { size: 'standard-2x' }, worker: { size: 'basic' } });
    expect(parseSizeName(' PERFORMANCE-M ')).toBe('performance-m');
  });

  it('lists the valid sizes for an unknown one', () => {
    expect(() => parseTypeArgs(['web=standard-3x'])).toThrow(/Unknown size "standard-3x". Sizes: basic .*performance-m/);
    expect(() => parseTypeArgs(['web'])).toThrow('Expected TYPE=SIZE (e.g. web=standard-2x), got "web".');
  });

  it('checks process types and instance names', () => {
    expect(checkProcessType('web')).toBe('web');
    expect(() => checkProcessType('web.1')).toThrow(CliError);
    expect(checkProcessName('web.2')).toBe('web.2');
    expect(checkProcessName('my_worker-1.10')).toBe('my_worker-1.10');
    for (const bad of ['web', 'web.', 'web.0', '.1', 'web.x', 'web.1.2', 'w b.1']) expect(() => checkProcessName(bad), bad).toThrow(/Invalid instance/);
  });
});

describe('constraints', () => {
  it('parses label=value and label!=value', () => {
    expect(parseConstraint('region=eu')).toEqual({ label: 'region', op: '=', value: 'eu' });
    expect(parseConstraint('disk!=hdd')).toEqual({ label: 'disk', op: '!=', value: 'hdd' });
    expect(parseConstraint('topology.kubernetes.io/zone=eu-1a')).toEqual({ label: 'topology.kubernetes.io/zone', op: '=', value: 'eu-1a' });
    expect(parseConstraint('gpu!=')).toEqual({ label: 'gpu', op: '!=', value: '' });
  });

  it('prints them back as typed', () => {
    for (const c of ['region=eu', 'disk!=hdd', 'gpu!=']) expect(formatConstraint(parseConstraint(c))).toBe(c);
  });

  it('refuses anything else', () => {
    for (const bad of ['region', '=eu', '!=eu', 'region==eu', 'a b=c', 'region=e u', 'region=eu!', 'reg!on=eu', 'x'.repeat(64) + '=1']) {
      expect(() => parseConstraint(bad), bad).toThrow(/Invalid constraint .*: use label=value or label!=value/);
    }
  });
});

describe('deploy:batch and hosts input', () => {
  it('takes a batch size or "all"', () => {
    expect(parseBatch('2')).toBe(2);
    expect(parseBatch('100')).toBe(100);
    expect(parseBatch('all')).toBeNull();
    expect(parseBatch('ALL')).toBeNull();
    for (const bad of ['0', '101', '-1', '1.5', 'some', '']) expect(() => parseBatch(bad), bad).toThrow(/Invalid batch .*from 1 to 100, or "all"/);
  });

  it('checks host names like the server', () => {
    expect(checkHostName('node-1')).toBe('node-1');
    for (const bad of ['Node', '-node', 'node_1', '', 'n'.repeat(41)]) expect(() => checkHostName(bad), bad).toThrow(/Invalid host name/);
  });

  it('parses repeated --label k=v', () => {
    expect(parseLabels(['region=eu', 'disk=ssd'])).toEqual({ region: 'eu', disk: 'ssd' });
    expect(parseLabels([])).toEqual({});
    expect(() => parseLabels(['region'])).toThrow(/Invalid label "region": use key=value/);
    expect(() => parseLabels(['region='])).toThrow(/Invalid label/);
    expect(() => parseLabels(['gantry.host=x'])).toThrow(/reserved/);
    expect(() => parseLabels(['a=1', 'a=2'])).toThrow('Label a is given twice.');
  });

  it('checks Docker URLs, addresses and CPUs', () => {
    expect(checkDockerUrl('tcp://10.0.0.2:2375')).toBe('tcp://10.0.0.2:2375');
    expect(checkDockerUrl('unix:///var/run/docker.sock')).toBe('unix:///var/run/docker.sock');
    for (const bad of ['http://10.0.0.2:2375', '10.0.0.2:2375', 'tcp://', 'unix://']) expect(() => checkDockerUrl(bad), bad).toThrow(/Invalid Docker URL/);
    expect(checkAddress('10.0.0.2')).toBe('10.0.0.2');
    expect(checkAddress('node-1.internal')).toBe('node-1.internal');
    expect(() => checkAddress('10.0.0.2/24')).toThrow(/Invalid address/);
    expect(parseCpus('4')).toBe(4);
    expect(parseCpus('0.5')).toBe(0.5);
    for (const bad of ['0', '-1', 'four', '2000', '']) expect(() => parseCpus(bad), bad).toThrow(/Invalid --cpu/);
  });
});
