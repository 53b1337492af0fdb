import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentType, createStaticServer, safeRelativePath } from './server.mjs';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request: the path is sent exactly as given (fetch would normalize it). */
function request(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function site(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-static-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function listen(root: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createStaticServer({ root });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('static server', () => {
  let root: string;
  let outside: string;
  let port: number;
  let close: () => Promise<void>;

  beforeAll(async () => {
    outside = site({ 'secret.txt': 'top secret' });
    root = site({
      'index.html': '<h1>Home</h1>',
      'style.css': 'body{}',
      'app.js': 'console.log(1)',
      'data.json': '{}',
      'logo.svg': '<svg/>',
      'font.woff2': 'x',
      'blob.unknownext': 'x',
      'about/index.html': '<h1>About</h1>',
      'docs.html': '<h1>Docs</h1>',
      'empty/keep.txt': 'not an index',
      'a b/c.txt': 'spaced',
      '.env': 'SECRET=1',
      '.git/config': '[core]',
      '.well-known/security.txt': 'Contact: x',
    });
    symlinkSync(join(outside, 'secret.txt'), join(root, 'leak.txt'));
    symlinkSync(outside, join(root, 'leakdir'));
    symlinkSync(join(root, 'docs.html'), join(root, 'alias.html'));
    utimesSync(join(root, 'index.html'), new Date('2024-01-02T03:04:05Z'), new Date('2024-01-02T03:04:05Z'));
    ({ port, close } = await listen(root));
  });

  afterAll(async () => {
    await close();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('serves index.html for the root and directories', async () => {
    const home = await request(port, '/');
    expect(home).toMatchObject({ status: 200, body: '<h1>Home</h1>' });
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.headers['content-length']).toBe('13');
    expect((await request(port, '/about/')).body).toBe('<h1>About</h1>');
    expect((await request(port, '/index.html')).body).toBe('<h1>Home</h1>');
  });

  it('redirects a directory without its trailing slash, keeping the query', async () => {
    const res = await request(port, '/about?x=1');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/about/?x=1');
  });

  it('never redirects to another host', async () => {
    const res = await request(port, '//about');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/about/');
  });

  it('finds NAME.html for /NAME and decodes paths', async () => {
    expect((await request(port, '/docs')).body).toBe('<h1>Docs</h1>');
    expect((await request(port, '/a%20b/c.txt')).body).toBe('spaced');
    expect((await request(port, '/alias.html')).body).toBe('<h1>Docs</h1>');
  });

  it.each([
    ['/style.css', 'text/css; charset=utf-8'],
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/data.json', 'application/json; charset=utf-8'],
    ['/logo.svg', 'image/svg+xml'],
    ['/font.woff2', 'font/woff2'],
    ['/blob.unknownext', 'application/octet-stream'],
  ])('serves %s as %s', async (path, type) => {
    const res = await request(port, path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers 404 with the built-in page', async () => {
    const res = await request(port, '/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('404 Not Found');
    expect((await request(port, '/empty/')).status).toBe(404);
  });

  it.each([
    '/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/about/..%2f..%2fsecret.txt',
    '/%2e%2e%5c%2e%2e%5cetc%5cpasswd',
    '/leak.txt',
    '/leakdir/secret.txt',
    '/.env',
    '/.git/config',
    '/about/%2e%2e/.env',
    '/%00index.html',
    '/%E0%A4%A',
  ])('does not serve %s', async (path) => {
    const res = await request(port, path);
    expect(res.status).toBe(404);
    expect(res.body).not.toMatch(/top secret|root:|SECRET|\[core\]/);
  });

  it('serves /.well-known', async () => {
    expect((await request(port, '/.well-known/security.txt')).body).toBe('Contact: x');
  });

  it('answers HEAD with headers only', async () => {
    const res = await request(port, '/style.css', { method: 'HEAD' });
    expect(res).toMatchObject({ status: 200, body: '' });
    expect(res.headers['content-length']).toBe('6');
    expect(res.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await request(port, '/nope', { method: 'HEAD' })).status).toBe(404);
  });

  it('rejects other methods', async () => {
    const res = await request(port, '/', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('supports ETag and If-None-Match', async () => {
    const first = await request(port, '/');
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    const again = await request(port, '/', { headers: { 'If-None-Match': etag } });
    expect(again).toMatchObject({ status: 304, body: '' });
    expect((await request(port, '/', { headers: { 'If-None-Match': '"other", ' + etag } })).status).toBe(304);
    expect((await request(port, '/', { headers: { 'If-None-Match': '"other"' } })).status).toBe(200);
  });

  it('supports Last-Modified and If-Modified-Since', async () => {
    const first = await request(port, '/');
    expect(first.headers['last-modified']).toBe('Tue, 02 Jan 2024 03:04:05 GMT');
    expect((await request(port, '/', { headers: { 'If-Modified-Since': 'Tue, 02 Jan 2024 03:04:05 GMT' } })).status).toBe(304);
    expect((await request(port, '/', { headers: { 'If-Modified-Since': 'Mon, 01 Jan 2024 00:00:00 GMT' } })).status).toBe(200);
    expect((await request(port, '/', { headers: { 'If-Modified-Since': 'garbage' } })).status).toBe(200);
  });
});

describe('custom 404 page', () => {
  it('serves ROOT/404.html with status 404', async () => {
    const root = site({ 'index.html': 'home', '404.html': '<h1>Lost?</h1>' });
    const { port, close } = await listen(root);
    try {
      const res = await request(port, '/missing', { headers: { 'If-None-Match': '*' } });
      expect(res).toMatchObject({ status: 404, body: '<h1>Lost?</h1>' });
    } finally {
      await close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('helpers', () => {
  it('maps request paths to safe relative paths', () => {
    expect(safeRelativePath('/')).toBe('');
    expect(safeRelativePath('/a/b.html')).toBe('a/b.html');
    expect(safeRelativePath('//a//b/')).toBe('a/b');
    expect(safeRelativePath('/a/%2e%2e/b')).toBeNull();
    expect(safeRelativePath('/.hidden')).toBeNull();
    expect(safeRelativePath('/%')).toBeNull();
  });

  it('knows common types case-insensitively', () => {
    expect(contentType('/x/INDEX.HTML')).toBe('text/html; charset=utf-8');
    expect(contentType('photo.JPG')).toBe('image/jpeg');
    expect(contentType('Makefile')).toBe('application/octet-stream');
  });
});

describe('process', () => {
  const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));

  it('serves on $PORT and exits 0 on SIGTERM', async () => {
    const root = site({ 'index.html': 'hi' });
    const child = spawn(process.execPath, [SERVER, root], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          if (output.includes('Serving')) resolve();
        });
        child.on('exit', () => reject(new Error(`exited early: ${output}`)));
      });
      expect(output).toContain(`Serving ${root} on port 0`);
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      expect(output + (child.stdout.read() ?? '')).toContain('SIGTERM received');
    } finally {
      child.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a root that is not a directory', async () => {
    const child = spawn(process.execPath, [SERVER, '/nonexistent/dir'], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toContain('/nonexistent/dir is not a directory');
  });
});
