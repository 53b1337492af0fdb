/**
 * The builder's image server on the real Docker engine: a host fetching a platform image gets the
 * add-on server image (`docker save` stream), but not an image that is neither this
 * installation's build nor a platform image (the stack), nor anything without the secret.
 */
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@gantry/config';
import { connectDocker } from '@gantry/docker';
import { addonImageRef, ensureAddonImages } from '@gantry/installer';
import { createLogger } from '@gantry/log';
import { createImageServer } from '../../apps/builder/src/image-server';

const config = loadConfig(process.env);
const docker = connectDocker(config.DOCKER_HOST);
const secret = randomBytes(16).toString('hex');
const server = createImageServer({ docker, instance: `imgsrv-${randomBytes(3).toString('hex')}`, secret, log: createLogger('test', 'error') });
let port: number;

/** The status, content type and first bytes of GET /images/<ref> (the rest is not read). */
function fetchHead(ref: string, withSecret = secret): Promise<{ status: number; type: string | undefined; first: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/images/${encodeURIComponent(ref)}`, headers: { 'x-gantry-secret': withSecret } }, (res) => {
      res.once('data', (chunk: Buffer) => {
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], first: chunk });
        res.destroy();
      });
      res.once('error', () => {});
    });
    req.once('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  await ensureAddonImages(docker, config, () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the image server', () => {
  it('hands out the add-on server images as docker save tars', async () => {
    for (const kind of ['postgres', 'redis'] as const) {
      const got = await fetchHead(addonImageRef(config, kind));
      expect(got.status).toBe(200);
      expect(got.type).toBe('application/x-tar');
      expect(got.first.length).toBeGreaterThan(0);
    }
  });

  it('refuses the stack image (not a platform role, not this installation), and callers without the secret', async () => {
    const stack = await fetchHead(config.GANTRY_STACK_IMAGE);
    expect(stack.status).toBe(404);
    expect(stack.first.toString()).toContain(`no image ${config.GANTRY_STACK_IMAGE} built here`);
    expect((await fetchHead(addonImageRef(config, 'redis'), 'wrong-secret'.padEnd(secret.length, 'x'))).status).toBe(401);
  });
});
