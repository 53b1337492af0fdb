import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parseAppManifest } from '@gantry/core';
import { nameOfUrl, planAppBuildpacks } from './buildpacks';

const BUILTIN = join(import.meta.dirname, '..', '..', '..', 'buildpacks');
const ORDER = ['nodejs', 'static', 'procfile'];
const noFetch = async () => {
  throw new Error('nothing should be fetched');
};
const plan = (stored: string[], files: Record<string, string>, buildpackUrl?: string) =>
  planAppBuildpacks(
    BUILTIN,
    ORDER,
    { stored, dotBuildpacks: files['.buildpacks'], manifest: files['app.json'] ? parseAppManifest(files['app.json']).buildpacks : [], buildpackUrl },
    noFetch,
  );

describe('planAppBuildpacks (built-in entries: nothing fetched)', () => {
  it('detects over the built-in order when nothing names buildpacks', async () => {
    const p = await plan([], { 'app.json': '{"name":"x"}' });
    expect(p).toMatchObject({ chosen: false, source: 'detection' });
    expect(p.buildpacks.map((b) => [b.name, b.dir, b.builtin])).toEqual([
      ['nodejs', '/buildpacks/nodejs', true],
      ['static', '/buildpacks/static', true],
      ['procfile', '/buildpacks/procfile', true],
    ]);
    expect(p.mounts).toEqual({ [BUILTIN]: '/buildpacks' });
  });

  it('runs an explicit list in its order, by its first source', async () => {
    const p = await plan([], { '.buildpacks': 'heroku/procfile\nheroku-buildpack-nodejs\n', 'app.json': '{"buildpacks":[{"url":"static"}]}' }, 'nodejs');
    expect(p).toMatchObject({ chosen: true, source: 'the .buildpacks file' });
    expect(p.buildpacks.map((b) => [b.name, b.entry, b.hostDir])).toEqual([
      ['procfile', 'heroku/procfile', join(BUILTIN, 'procfile')],
      ['nodejs', 'heroku-buildpack-nodejs', join(BUILTIN, 'nodejs')],
    ]);
    const fromStored = await plan(['static'], { '.buildpacks': 'procfile\n' });
    expect(fromStored.buildpacks.map((b) => b.name)).toEqual(['static']);
  });

  it('fails the build naming the entry and where it came from', async () => {
    await expect(plan([], { 'app.json': '{"buildpacks":[{"url":"heroku/python"}]}' })).rejects.toThrow('app.json "buildpacks" names an unknown buildpack "heroku/python". Built-in: nodejs, static, procfile; or use an https git URL.');
    await expect(plan([], { '.buildpacks': 'nodejs\nssh://git@x/y\n' })).rejects.toMatchObject({ name: 'BuildFailure', message: expect.stringContaining('.buildpacks line 2: "ssh://git@x/y"') });
    await expect(plan([], {}, 'no-such-pack')).rejects.toThrow('BUILDPACK_URL names an unknown buildpack "no-such-pack"');
  });

  it('refuses a URL the egress policy forbids before any clone', async () => {
    const p = planAppBuildpacks(BUILTIN, ORDER, { stored: ['nodejs', 'http://10.0.0.1/bp.git'], dotBuildpacks: undefined, manifest: [], buildpackUrl: undefined }, async () => ({ policy: DEFAULT_POLICY }));
    await expect(p).rejects.toThrow(/^Could not fetch the buildpack http:\/\/10\.0\.0\.1\/bp\.git: buildpack URL host 10\.0\.0\.1 is a private address/);
  });
});

describe('nameOfUrl', () => {
  it.each([
    ['https://git.example.com/x/heroku-buildpack-tools.git#v1', 'heroku-buildpack-tools'],
    ['http://127.0.0.1:8080/bp/', 'bp'],
    ['https://git.example.com/', 'custom'],
  ])('%s', (url, name) => expect(nameOfUrl(url)).toBe(name));
});
