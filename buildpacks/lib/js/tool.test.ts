import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ToolError, indexVersions, newestPerMajor, packageInfo, resolveNpm, resolveVersion } from './tool.mjs';

const TOOL = fileURLToPath(new URL('./tool.mjs', import.meta.url));
const run = promisify(execFile);

function errorOf(fn: () => unknown): ToolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ToolError) return err;
    throw err;
  }
  throw new Error('expected a ToolError');
}

describe('packageInfo', () => {
  it('extracts engines, scripts and dependency facts', () => {
    const info = packageInfo(
      JSON.stringify({
        name: 'app',
        engines: { node: ' 22.x ', npm: '^10' },
        scripts: { start: 'node .', build: 'tsc', 'heroku-postbuild': 'x', postinstall: 'y', prepare: 'z' },
        dependencies: { a: '1' },
        devDependencies: { b: '1', c: '2' },
      }),
    );
    expect(info).toMatchObject({
      name: 'app',
      engines_node: '22.x',
      engines_npm: '^10',
      script_start: '1',
      script_build: '1',
      script_heroku_postbuild: '1',
      script_heroku_prebuild: '0',
      root_install_scripts: 'postinstall,prepare',
      workspaces: '0',
      dev_dependencies: '2',
    });
    expect(info.deps_digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('defaults everything for a minimal package.json', () => {
    expect(packageInfo('{}')).toMatchObject({ engines_node: '', engines_npm: '', script_start: '0', dev_dependencies: '0', root_install_scripts: '' });
  });

  it('changes the dependency digest only when dependencies change', () => {
    const base = { name: 'a', scripts: { start: 'x' }, dependencies: { express: '^4' } };
    const digest = (pkg: object) => packageInfo(JSON.stringify(pkg)).deps_digest;
    expect(digest({ ...base, scripts: { start: 'y' }, version: '2.0.0' })).toBe(digest(base));
    expect(digest({ ...base, dependencies: { express: '^5' } })).not.toBe(digest(base));
    expect(digest({ ...base, overrides: { qs: '6' } })).not.toBe(digest(base));
  });

  it.each([
    ['{"name": "x",}', /^package\.json is not valid JSON: /],
    ['', /^package\.json is not valid JSON: /],
    ['[1]', /must contain a JSON object, not an array/],
    ['{"engines": "22"}', /"engines" in package\.json must be an object, not string "22"/],
    ['{"engines": {"node": 22}}', /engines\.node in package\.json must be a string such as "22\.x", not number 22/],
    ['{"scripts": []}', /"scripts" in package\.json must be an object, not an array/],
  ])('rejects %j clearly', (text, message) => {
    const err = errorOf(() => packageInfo(text));
    expect(err.code).toBe(3);
    expect(err.message).toMatch(message);
  });

  it('keeps values on one line', () => {
    expect(packageInfo('{"engines": {"node": "20\\n||22"}}').engines_node).toBe('20 ||22');
  });
});

describe('release lists', () => {
  it('reads npm packuments and dist index.json', () => {
    expect(indexVersions('{"versions": {"22.1.0": {}, "20.0.0": {}}}', 'npm')).toEqual(['22.1.0', '20.0.0']);
    expect(indexVersions('[{"version": "v22.1.0", "lts": "Jod"}, {"version": "v21.0.0", "lts": false}]', 'dist')).toEqual(['22.1.0', '21.0.0']);
    expect(errorOf(() => indexVersions('{"versions": {}}', 'dist')).code).toBe(3);
    expect(errorOf(() => indexVersions('<html>', 'npm')).code).toBe(3);
  });

  it('resolves, or explains why not', () => {
    expect(resolveVersion(['20.1.0', '22.3.0', '22.10.0'], '22.x')).toBe('22.10.0');
    expect(errorOf(() => resolveVersion(['22.3.0'], '>=99')).message).toBe('No Node.js version matches ">=99"');
    expect(errorOf(() => resolveVersion(['22.3.0'], '>=99')).code).toBe(4);
    expect(errorOf(() => resolveVersion(['22.3.0'], 'lts/iron')).code).toBe(2);
  });

  it('lists the newest release of recent majors', () => {
    expect(newestPerMajor(['18.2.0', '22.1.0', '22.10.0', '20.5.0', '23.0.0-rc.1', '18.20.1'], 2)).toEqual(['22.10.0', '20.5.0']);
  });
});

describe('resolveNpm', () => {
  const doc = {
    versions: {
      '9.9.4': { engines: { node: '^14.17.0 || ^16.13.0 || >=18.0.0' } },
      '10.9.2': { engines: { node: '^18.17.0 || >=20.5.0' } },
      '10.9.3': { engines: { node: '^18.17.0 || >=20.5.0' }, deprecated: 'oops' },
      '11.6.0': { engines: { node: '^20.17.0 || >=22.9.0' } },
      '11.7.0-pre.0': { engines: { node: '>=20' } },
      '12.0.0': { engines: { node: '>=22.22' } },
    },
  };

  it.each([
    ['22.23.3', '11.6.0'],
    ['22.5.0', '10.9.2'],
    ['20.17.0', '11.6.0'],
    ['20.10.0', '10.9.2'],
    ['18.2.0', '9.9.4'],
  ])('defaults to the newest supported npm <= 11.x for Node.js %s: %s', (node, npm) => {
    expect(resolveNpm(doc, '', node, 11)).toEqual({ version: npm, node_supported: '1', node_engines: expect.any(String) });
  });

  it('honours engines.npm, and says when that npm does not support the Node.js', () => {
    expect(resolveNpm(doc, '10', '22.23.3', 11).version).toBe('10.9.3');
    expect(resolveNpm(doc, '^11', '18.2.0', 11)).toEqual({ version: '11.6.0', node_supported: '0', node_engines: '^20.17.0 || >=22.9.0' });
    expect(errorOf(() => resolveNpm(doc, '^13', '22.0.0', 11)).message).toBe('No npm version matches "^13"');
    expect(errorOf(() => resolveNpm(doc, '', '12.0.0', 11)).message).toBe('No npm release up to 11.x supports Node.js 12.0.0');
  });
});

describe('command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-tool-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const tool = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [TOOL, ...args]);
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('prints key=value lines', async () => {
    const pkg = file('package.json', '{"engines": {"node": "^20.1"}, "scripts": {"build": "x"}}');
    const out = await tool('package-info', pkg);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('engines_node=^20.1\n');
    expect(out.stdout).toContain('script_build=1\n');
  });

  it('reports errors on stderr with distinct exit codes', async () => {
    const index = file('index.json', JSON.stringify({ versions: { '20.1.0': {}, '22.2.0': {} } }));
    expect(await tool('resolve-node', index, 'npm', '20')).toMatchObject({ code: 0, stdout: 'version=20.1.0\n' });
    expect(await tool('resolve-node', index, 'npm', '>=99')).toMatchObject({
      code: 4,
      stderr: 'No Node.js version matches ">=99"\nNewest releases: 22.2.0, 20.1.0\n',
    });
    expect(await tool('resolve-node', index, 'npm', 'nope')).toMatchObject({ code: 2 });
    expect(await tool('package-info', file('bad.json', '{'))).toMatchObject({ code: 3, stdout: '' });
    expect(await tool('package-info', join(dir, 'missing.json'))).toMatchObject({ code: 3, stderr: 'Cannot read package.json (ENOENT)\n' });
    expect((await tool('frobnicate')).code).toBe(64);
  });
});
