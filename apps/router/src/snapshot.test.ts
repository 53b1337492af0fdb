import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { open as openSealed, seal } from '@gantry/core';
import type { CertRecord } from '@gantry/live';
import { silentLogger } from './log';
import { SnapshotSaver } from './snapshot-saver';
import { SnapshotStore, type TableState } from './snapshot';

const SECRET = 'a-test-secret-of-some-length';
const KEY_PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQ-not-a-real-key\n-----END PRIVATE KEY-----\n';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'router-snapshot-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function table(version: number, hosts = ['one.localhost']): TableState {
  const routes: TableState['routes'] = {};
  for (const h of hosts) routes[h] = { app: h.split('.')[0]!, appId: `id-${h}`, backends: [{ id: `${h}-1`, host: '127.0.0.1', port: 5000 + version, process: 'web.1' }] };
  return { version, routes };
}

function certs(): Map<string, CertRecord> {
  const rec: CertRecord = { id: 'c1', appId: 'a1', certPem: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n', keyEncrypted: seal(KEY_PEM, SECRET), notAfter: '2030-01-01T00:00:00Z' };
  return new Map([
    ['www.example.com', rec],
    ['*.example.com', rec],
  ]);
}

describe('SnapshotStore', () => {
  it('reads back what it saved, in a file only its owner can read, keys still sealed', async () => {
    const store = new SnapshotStore(join(dir, 'router'), 'main');
    await store.save({ table: table(7, ['one.localhost', 'two.localhost']), certs: certs() });
    const read = await store.load();
    expect(read.kind).toBe('loaded');
    if (read.kind !== 'loaded') return;
    expect(read.snapshot.table).toEqual(table(7, ['one.localhost', 'two.localhost']));
    expect([...read.snapshot.certs.keys()]).toEqual(['www.example.com', '*.example.com']);
    expect(openSealed(read.snapshot.certs.get('www.example.com')!.keyEncrypted, SECRET)).toBe(KEY_PEM);

    expect(store.path).toBe(join(dir, 'router', 'snapshot.main.json'));
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'router'))).mode & 0o777).toBe(0o700);
    const text = await readFile(store.path, 'utf8');
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('MIIEvQ');
  });

  it('refuses to write a certificate whose key is not sealed, and keeps the previous snapshot', async () => {
    const store = new SnapshotStore(dir, 'main');
    await store.save({ table: table(1), certs: certs() });
    const plain = new Map([['www.example.com', { ...certs().get('www.example.com')!, keyEncrypted: KEY_PEM }]]);
    await expect(store.save({ table: table(2), certs: plain })).rejects.toThrow(/the private key is not sealed/);
    const read = await store.load();
    expect(read.kind === 'loaded' && read.snapshot.table.version).toBe(1);
    expect(await readFile(store.path, 'utf8')).not.toContain('PRIVATE KEY');
  });

  it('replaces the file atomically: readers racing many writes always see a whole snapshot, no temp file is left', async () => {
    const store = new SnapshotStore(dir, 'main');
    const reader = new SnapshotStore(dir, 'main');
    const many = Array.from({ length: 300 }, (_, i) => `host-${i}.localhost`);
    await store.save({ table: table(1, many), certs: certs() });
    let writing = true;
    const seen = new Set<number>();
    const reads = (async () => {
      let n = 0;
      while (writing || n === 0) {
        const r = await reader.load();
        if (r.kind !== 'loaded') throw new Error(`read a ${r.kind} snapshot: ${JSON.stringify(r)}`);
        expect(Object.keys(r.snapshot.table.routes)).toHaveLength(300);
        seen.add(r.snapshot.table.version);
        n++;
      }
    })();
    for (let v = 2; v <= 60; v++) await store.save({ table: table(v, many), certs: certs() });
    writing = false;
    await reads;
    expect(seen.size).toBeGreaterThan(1);
    expect(await readdir(dir)).toEqual(['snapshot.main.json']);
  });

  it('says missing when there is no file, and corrupt (with the reason) for a damaged or foreign one', async () => {
    const store = new SnapshotStore(join(dir, 'nothing-here'), 'main');
    expect(await store.load()).toEqual({ kind: 'missing' });

    const real = new SnapshotStore(dir, 'main');
    await real.save({ table: table(3), certs: certs() });
    const whole = await readFile(real.path, 'utf8');

    await writeFile(real.path, whole.slice(0, whole.length / 2));
    const truncated = await real.load();
    expect(truncated.kind).toBe('corrupt');
    expect(truncated.kind === 'corrupt' && truncated.reason).toMatch(/is not JSON/);

    await writeFile(real.path, JSON.stringify({ ...JSON.parse(whole), table: { version: 'x', routes: {} } }));
    const wrongShape = await real.load();
    expect(wrongShape.kind === 'corrupt' && wrongShape.reason).toMatch(/table\.version/);

    await writeFile(real.path, JSON.stringify({ ...JSON.parse(whole), format: 2 }));
    expect((await real.load()).kind).toBe('corrupt');

    await writeFile(real.path, whole);
    const foreign = await new SnapshotStore(dir, 'other').load();
    expect(foreign).toEqual({ kind: 'missing' }); // another installation's file has another name
    await writeFile(join(dir, 'snapshot.other.json'), whole);
    const mislabelled = await new SnapshotStore(dir, 'other').load();
    expect(mislabelled.kind === 'corrupt' && mislabelled.reason).toMatch(/belongs to installation "main"/);
  });

  it('removes temp files left by a write that died, and only old ones', async () => {
    const store = new SnapshotStore(dir, 'main');
    await store.save({ table: table(1), certs: certs() });
    const old = join(dir, 'snapshot.main.json.999.dead.tmp');
    const young = join(dir, 'snapshot.main.json.998.live.tmp');
    await writeFile(old, '{"half');
    await writeFile(young, '{"half');
    const past = new Date(Date.now() - 5 * 60_000);
    await utimes(old, past, past);
    expect((await store.load()).kind).toBe('loaded');
    expect((await readdir(dir)).sort()).toEqual(['snapshot.main.json', 'snapshot.main.json.998.live.tmp']);
  });
});

describe('SnapshotSaver', () => {
  it('writes nothing until both the table and the certificates are known, then one debounced write for a burst', async () => {
    const store = new SnapshotStore(dir, 'main');
    const saver = new SnapshotSaver(store, silentLogger, 20);
    let current = table(1);
    for (let v = 1; v <= 5; v++) {
      current = table(v);
      saver.tableChanged(() => current);
    }
    await new Promise((r) => setTimeout(r, 60));
    expect(saver.saves).toBe(0);
    expect(await store.load()).toEqual({ kind: 'missing' });

    saver.certsChanged(() => certs());
    current = table(6);
    saver.tableChanged(() => current);
    // fsync takes its time on a busy disk: wait for the write, then make sure no second one follows.
    for (let waited = 0; saver.saves === 0 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 60));
    expect(saver.saves).toBe(1);
    const read = await store.load();
    expect(read.kind === 'loaded' && read.snapshot.table.version).toBe(6);
  });

  it('writes what is pending on flush, and a failed write is reported and retried on the next change', async () => {
    const lines: string[] = [];
    const log = { ...silentLogger, error: (m: string) => void lines.push(m), info: (m: string) => void lines.push(m) };
    let fail = true;
    const store = new SnapshotStore(dir, 'main');
    const flaky = { path: store.path, save: (s: Parameters<SnapshotStore['save']>[0]) => (fail ? Promise.reject(new Error('disk full')) : store.save(s)) };
    const saver = new SnapshotSaver(flaky, log, 60_000);
    saver.certsChanged(() => certs());
    saver.tableChanged(() => table(1));
    await saver.flush();
    expect(saver.saves).toBe(0);
    expect(lines.join('\n')).toMatch(/code=snapshot_save_failed .*disk full/);
    fail = false;
    saver.tableChanged(() => table(2));
    await saver.flush();
    expect(saver.saves).toBe(1);
    const read = await store.load();
    expect(read.kind === 'loaded' && read.snapshot.table.version).toBe(2);
  });
});
