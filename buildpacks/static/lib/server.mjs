#!/usr/bin/env node
// Gantry's static site server: serves one directory over HTTP, with no dependencies.
//
//   node server.mjs [ROOT]        (ROOT defaults to the current directory; port: $PORT or 5000)
//
// GET and HEAD only; "index.html" for directories (and a redirect to add the trailing slash);
// "/about" also finds "about.html"; ETag and Last-Modified with conditional requests (304);
// 404 with ROOT/404.html when present; dotfiles (other than /.well-known) and anything outside
// ROOT, symlinks included, are never served. SIGTERM/SIGINT stop accepting connections and
// exit once in-flight requests are done (or after 10 s).
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.rss': 'application/rss+xml; charset=utf-8',
  '.atom': 'application/atom+xml; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
  '.yml': 'text/yaml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.apng': 'image/apng',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.bmp': 'image/bmp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.eot': 'application/vnd.ms-fontobject',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
};

/** The Content-Type of a file name (application/octet-stream when unknown). */
export function contentType(file) {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

const DEFAULT_404 = '<!doctype html>\n<html><head><meta charset="utf-8"><title>404 Not Found</title></head>\n<body><h1>404 Not Found</h1><p>The page you asked for does not exist.</p></body></html>\n';

/**
 * Maps a request path to a path relative to the root, or null when it must not be served
 * (malformed encoding, NUL, "..", dotfiles other than .well-known).
 */
export function safeRelativePath(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || !decoded.startsWith('/')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  for (const s of segments) {
    if (s === '..' || s === '.' || s.includes('\\')) return null;
    if (s.startsWith('.') && s !== '.well-known') return null;
  }
  return segments.join('/');
}

/**
 * Creates (does not start) the server. Options: root (directory), log (one line per request;
 * default none).
 */
export function createStaticServer({ root, log = () => {} }) {
  const rootDir = path.resolve(root);
  const realRootPromise = realpath(rootDir);
  realRootPromise.catch(() => {}); // a missing root makes every lookup fail (404), not the process

  /** The stat of ROOT/rel if it is a file or directory inside the real root, else null. */
  async function lookup(rel) {
    const full = path.join(rootDir, rel);
    try {
      const real = await realpath(full);
      const realRoot = await realRootPromise;
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return null;
      return { file: real, stats: await stat(real) };
    } catch {
      return null;
    }
  }

  async function resolve(rel) {
    const found = await lookup(rel);
    if (found?.stats.isDirectory()) {
      const index = await lookup(path.posix.join(rel, 'index.html'));
      return index?.stats.isFile() ? { ...index, directory: true } : null;
    }
    if (found?.stats.isFile()) return found;
    if (rel && !path.extname(rel)) {
      const html = await lookup(`${rel}.html`);
      if (html?.stats.isFile()) return html;
    }
    return null;
  }

  async function handle(req, res) {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, req, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n');
    }
    let url;
    try {
      // Origin-form targets are appended to a base: "//host/x" must stay a path, not a host.
      const target = req.url ?? '/';
      url = new URL(target.startsWith('/') ? `http://localhost${target}` : target);
    } catch {
      return send(res, req, 400, 'text/plain; charset=utf-8', 'Bad Request\n');
    }
    const rel = safeRelativePath(url.pathname);
    if (rel === null) return notFound(req, res);
    const found = await resolve(rel);
    if (!found) return notFound(req, res);
    if (found.directory && !url.pathname.endsWith('/')) {
      // Built from the checked path, so "//evil.example" can never become a redirect target.
      res.setHeader('Location', `/${rel.split('/').map(encodeURIComponent).join('/')}/${url.search}`);
      return send(res, req, 301, 'text/plain; charset=utf-8', 'Moved Permanently\n');
    }
    return serveFile(req, res, found.file, found.stats, 200);
  }

  async function notFound(req, res) {
    const page = await lookup('404.html');
    if (page?.stats.isFile()) return serveFile(req, res, page.file, page.stats, 404);
    return send(res, req, 404, 'text/html; charset=utf-8', DEFAULT_404);
  }

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log(`${req.method} ${req.url} ${res.statusCode} ${ms.toFixed(1)}ms`);
    });
    handle(req, res).catch((err) => {
      log(`error serving ${req.url}: ${err?.stack ?? err}`);
      if (!res.headersSent) send(res, req, 500, 'text/plain; charset=utf-8', 'Internal Server Error\n');
      else res.destroy();
    });
  });
  return server;
}

function send(res, req, status, type, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}

function serveFile(req, res, file, stats, status) {
  const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const lastModified = new Date(Math.floor(stats.mtimeMs / 1000) * 1000);
  res.setHeader('Content-Type', contentType(file));
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', lastModified.toUTCString());
  res.setHeader('Cache-Control', 'no-cache');
  if (status === 200 && notModified(req, etag, lastModified)) {
    res.statusCode = 304;
    return res.end();
  }
  res.statusCode = status;
  res.setHeader('Content-Length', stats.size);
  if (req.method === 'HEAD') return res.end();
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function notModified(req, etag, lastModified) {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch) {
    // Weak comparison, as RFC 9110 asks for If-None-Match.
    const weak = (tag) => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => weak(tag) === weak(etag));
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  return !Number.isNaN(since) && lastModified.getTime() <= since;
}

/** Starts serving ROOT on PORT and installs the graceful shutdown handlers. */
export function main(argv = process.argv.slice(2), env = process.env) {
  const root = argv[0] ?? '.';
  const port = Number(env.PORT ?? 5000);
  const log = (line) => process.stdout.write(`${line}\n`);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    process.stderr.write(`static server: ${path.resolve(root)} is not a directory\n`);
    process.exit(1);
  }
  const server = createStaticServer({ root, log });
  server.listen(port, () => log(`Serving ${path.resolve(root)} on port ${port}`));
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received: finishing in-flight requests`);
    server.close(() => process.exit(0));
    server.closeIdleConnections?.();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return server;
}

/** True when this file is the script node was started with (symlinks resolved). */
function isMain(argv1) {
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (process.argv[1] && isMain(process.argv[1])) main();
