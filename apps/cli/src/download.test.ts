/**
 * pg:backups:download's writing against a real HTTP server and the real API client: the file is
 * kept only when its sha256 and length match the headers; otherwise nothing is left behind.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GantryClient } from '@gantry/api-client';
import { writeVerified } from './download';

const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7); // several chunks
const sha = createHash('sha256').update(data).digest('hex');
let server: Server;
let api: GantryClient;
let dir: string;
const seen: { url?: string; auth?: string } = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-dl-'));
  server = createServer((req, res) => {
    seen.url = req.url;
    seen.auth = req.headers.authorization;
    const headers = (digest: string, length = data.length) => ({
      'content-type': 'application/octet-stream',
      'content-length': String(length),
      'x-gantry-sha256': digest,
      'content-disposition': 'attachment; filename="postgres-shiny-1234-b003.dump"',
    });
    if (req.url!.includes('/b003/')) res.writeHead(200, headers(sha)).end(data);
    else if (req.url!.includes('/b004/')) res.writeHead(200, headers('0'.repeat(64))).end(data);
    else if (req.url!.includes('/b005/')) {
      // Announces more than it sends, then ends the connection: a cut download.
      res.writeHead(200, headers(sha, data.length + 10));
      res.write(data, () => res.destroy());
    } else res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { id: 'not_found', message: 'No backup b009 of postgres-shiny-1234.' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = new GantryClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'gty_test' });
});

afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('downloading a backup', () => {
  it('streams it with the checksum and name the server sent, and keeps the file when they match', async () => {
    const dl = await api.downloadBackup('postgres-shiny-1234', 'b003');
    expect(seen).toEqual({ url: '/api/v1/addons/postgres-shiny-1234/backups/b003/download', auth: 'Bearer gty_test' });
    expect([dl.sha256, dl.bytes, dl.filename]).toEqual([sha, data.length, 'postgres-shiny-1234-b003.dump']);
    const file = join(dir, 'ok.dump');
    const written = await writeVerified(dl.body, file, dl);
    expect(written).toEqual({ path: file, bytes: data.length, sha256: sha });
    expect(readFileSync(file).equals(data)).toBe(true);
    expect(readdirSync(dir)).toEqual(['ok.dump']);
  });

  it('deletes the partial file on a checksum mismatch, leaving an existing file as it was', async () => {
    const file = join(dir, 'bad.dump');
    writeFileSync(file, 'the previous download');
    const dl = await api.downloadBackup('postgres-shiny-1234', 'b004');
    await expect(writeVerified(dl.body, file, dl)).rejects.toThrow(`The file's sha256 ${sha} differs from the backup's ${'0'.repeat(64)}`);
    expect(readFileSync(file, 'utf8')).toBe('the previous download');
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it('deletes the partial file when the download is cut', async () => {
    const file = join(dir, 'cut.dump');
    const dl = await api.downloadBackup('postgres-shiny-1234', 'b005');
    await expect(writeVerified(dl.body, file, dl)).rejects.toThrow();
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it('writes nothing when the server sent no checksum', async () => {
    const file = join(dir, 'unchecked.dump');
    await expect(writeVerified((async function* () { yield new Uint8Array([1]); })(), file, { sha256: null, bytes: 1 })).rejects.toThrow(/no sha256/);
    expect(existsSync(file) || existsSync(`${file}.partial`)).toBe(false);
  });

  it('reports the server\'s error for an unknown backup', async () => {
    await expect(api.downloadBackup('postgres-shiny-1234', 'b009')).rejects.toMatchObject({ status: 404, id: 'not_found', message: 'No backup b009 of postgres-shiny-1234.' });
  });
});
