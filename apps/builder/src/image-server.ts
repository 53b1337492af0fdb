/**
 * The build host's image server: agents whose engine lacks a release's image fetch it here
 * (`docker save` streamed over HTTP; they `docker load` it). No registry is needed. Only images
 * built by this installation are served, and only to callers holding the installation secret.
 *
 *   GET /images/<ref>   (x-gantry-secret)  -> 200 application/x-tar | 401 | 404
 *   (images of this installation's builds, and the platform images hosts run: netd, add-ons)
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Readable } from 'node:stream';
import type { Docker } from '@gantry/docker';
import type { Logger } from '@gantry/log';

/** Platform images, shared by installations on one engine: netd, and the add-on servers. */
const PLATFORM_ROLES = new Set(['netd', 'addon']);

/** Whether an image with these labels may be served to this installation's hosts. */
export function servable(labels: Record<string, string> | null | undefined, instance: string): boolean {
  if (!labels) return false;
  return labels['gantry.instance'] === instance || PLATFORM_ROLES.has(labels['gantry.role'] ?? '');
}

export function createImageServer(deps: { docker: Docker; instance: string; secret: string; log: Logger }): Server {
  const secret = Buffer.from(deps.secret);
  return createServer((req, res) => {
    const given = Buffer.from(String(req.headers['x-gantry-secret'] ?? ''));
    if (given.length !== secret.length || !timingSafeEqual(given, secret)) {
      res.writeHead(401).end('not authorized\n');
      return;
    }
    const m = /^\/images\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !m) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const ref = decodeURIComponent(m[1]!);
    void (async () => {
      const image = deps.docker.getImage(ref);
      const info = await image.inspect().catch(() => null);
      if (!info || !servable(info.Config?.Labels, deps.instance)) {
        res.writeHead(404).end(`no image ${ref} built here\n`);
        return;
      }
      const started = Date.now();
      const stream = (await image.get()) as unknown as Readable;
      res.writeHead(200, { 'content-type': 'application/x-tar' });
      stream.pipe(res);
      stream.on('end', () => deps.log.info(`served image ${ref} in ${Date.now() - started} ms`));
      stream.on('error', () => res.destroy());
      // A host that hangs up mid-transfer: end the engine's export too (pipe only stops writing).
      res.on('close', () => {
        if (!res.writableFinished) stream.destroy();
      });
    })().catch((err: Error) => {
      deps.log.error(`image ${ref}: ${err.message}`);
      if (!res.headersSent) res.writeHead(500).end(`${err.message}\n`);
      else res.destroy();
    });
  });
}
