/**
 * The static buildpack in real stack containers: detection rules, build output, and the file
 * server answering as the platform runs it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildpackApp, type BuildResult, type RunningApp } from './harness';

/** A throwaway source tree for detection tests. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-detect-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('static: detection', () => {
  const app = new BuildpackApp('detect');
  const dirs: string[] = [];
  afterAll(async () => {
    await app.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const detect = (files: Record<string, string>) => {
    const dir = tree(files);
    dirs.push(dir);
    return app.detectOnly(dir);
  };

  it('detects index.html at the root or in public/', async () => {
    expect(await detect({ 'index.html': 'x' })).toEqual({ buildpack: 'static', detected: 'Static site' });
    expect(await detect({ 'public/index.html': 'x', 'README.md': 'y' })).toEqual({ buildpack: 'static', detected: 'Static site' });
  });

  it('leaves apps with package.json to nodejs, and others to procfile', async () => {
    expect(await detect({ 'index.html': 'x', 'package.json': '{}' })).toEqual({ buildpack: 'nodejs', detected: 'Node.js' });
    const both = tree({ 'index.html': 'x', 'package.json': '{}' });
    dirs.push(both);
    expect(await app.detectOnly(both, ['static', 'procfile'])).toEqual({ buildpack: null, detected: '' });
    expect(await detect({ 'docs/index.html': 'x', Procfile: 'web: ./run' })).toEqual({ buildpack: 'procfile', detected: 'Procfile' });
    expect(await detect({ 'README.md': 'nothing to run' })).toEqual({ buildpack: null, detected: '' });
  });
});

describe('static: a site with index.html, a sub-page, CSS and a 404 page', () => {
  const app = new BuildpackApp('static');
  let build: BuildResult;
  let running: RunningApp;

  beforeAll(async () => {
    build = await app.build('static-site');
    if (build.image) running = await app.run(build.image, build.processTypes.web!);
  });
  afterAll(async () => {
    await running?.stop();
    await app.dispose();
  });

  it('builds: installs Node.js and the file server', () => {
    expect(build.buildpack).toBe('static');
    expect(build.code, build.output).toBe(0);
    expect(build.output).toContain('-----> Static site');
    expect(build.output).toContain('Serving the files at the root of the repository');
    expect(build.output).toMatch(/-----> Installing Node\.js 22\.\d+\.\d+ \(runs the file server\)/);
    expect(build.output).toContain('-----> Build succeeded!');
    expect(build.processTypes).toEqual({ web: 'node .heroku/static/server.mjs .' });
  });

  it('serves index.html with text/html', async () => {
    const res = await fetch(`${running.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('<h1>Hello from a static site</h1>');
  });

  it('serves sub-pages, CSS, and redirects directories to their trailing slash', async () => {
    const about = await fetch(`${running.url}/about`, { redirect: 'manual' });
    expect(about.status).toBe(301);
    expect(about.headers.get('location')).toBe('/about/');
    expect(await (await fetch(`${running.url}/about/`)).text()).toContain('About this fixture');
    const css = await fetch(`${running.url}/css/site.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('font-family');
  });

  it('answers 404 with the site 404.html, and never serves the runtime or dotfiles', async () => {
    for (const path of ['/missing', '/.profile.d/static.sh', '/.heroku/node/bin/node', '/..%2f..%2fetc%2fpasswd']) {
      const res = await fetch(`${running.url}${path}`);
      expect([path, res.status]).toEqual([path, 404]);
      expect(await res.text()).toContain('Fixture 404: nothing here');
    }
  });

  it('supports HEAD and conditional requests', async () => {
    const head = await fetch(`${running.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(100);
    const etag = head.headers.get('etag')!;
    expect((await fetch(`${running.url}/`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    const lastModified = head.headers.get('last-modified')!;
    expect((await fetch(`${running.url}/`, { headers: { 'If-Modified-Since': lastModified } })).status).toBe(304);
  });

  it('logs requests and stops cleanly on SIGTERM', async () => {
    const stopped = await running.terminate();
    expect(stopped.exitCode).toBe(0);
    expect(stopped.ms).toBeLessThan(5000);
    const logs = await running.logs();
    expect(logs).toMatch(/Serving \/app on port 5000/);
    expect(logs).toMatch(/GET \/css\/site\.css 200/);
    expect(logs).toContain('SIGTERM received: finishing in-flight requests');
  });

  it('a warm build reuses the cached Node.js', async () => {
    const warm = await app.build('static-site');
    expect(warm.code, warm.output).toBe(0);
    expect(warm.output).toMatch(/Using Node\.js 22\.\d+\.\d+ from the build cache/);
    expect(warm.output).not.toContain('Downloading');
    console.log(`static fixture compile: cold ${build.durationMs} ms, warm ${warm.durationMs} ms`);
  });
});
