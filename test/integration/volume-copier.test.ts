/**
 * The volume copier (packages/control/src/volume-move/copier.ts) on a lab of two real Docker hosts:
 * a volume with files of several owners, modes and sizes (a name with a space, a symlink, 8 MB of
 * random bytes) is streamed from one host into the other through helper tar containers; both
 * hosts' file lists and every file's sha256 match; the image goes along (docker save | load) when
 * the target lacks it; users of the volume are seen; removal takes the source copy away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerVolumeCopier, listingProblem } from '@gantry/control';
import { connectDb, type Db } from '@gantry/db';
import { connectDocker, type Docker } from '@gantry/docker';
import { startLab, type Lab } from '@gantry/installer';
import { migratedDatabase } from './helpers/scratch-db';

const STACK = 'gantry/stack:bookworm';
const VOLUME = 'gantry-itmv-v-files';
const FILL = [
  'set -e',
  'mkdir -p /v/sub/deeper',
  'echo hello > /v/a.txt',
  'echo spaced > "/v/sub/with space.txt"',
  'head -c 8388608 /dev/urandom > /v/sub/deeper/random.bin',
  'echo secret > /v/sub/private && chmod 600 /v/sub/private && chown 1000:1000 /v/sub/private /v/sub',
  'ln -s ../a.txt /v/sub/link',
].join('\n');

async function run(docker: Docker, argv: string[], opts: { detach?: boolean; volume?: string } = {}): Promise<{ code: number; out: string; container: Docker.Container }> {
  const c = await docker.createContainer({ Image: STACK, Entrypoint: [argv[0]!], Cmd: argv.slice(1), User: '0:0', HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: opts.volume ?? VOLUME, Target: '/v' }] } });
  await c.start();
  if (opts.detach) return { code: -1, out: '', container: c };
  const r = (await c.wait()) as { StatusCode: number };
  const out = (await c.logs({ stdout: true, stderr: true })).toString('utf8');
  await c.remove({ force: true });
  return { code: r.StatusCode, out, container: c };
}

describe.skipIf(process.getuid?.() !== 0)('volume copier across two lab hosts', () => {
  let lab: Lab;
  let db: Db;
  let copier: DockerVolumeCopier;
  const ids: string[] = [];
  const engines: Docker[] = [];

  beforeAll(async () => {
    lab = await startLab({ prefix: 'itmv', count: 2 });
    await lab.copyImage(STACK, [lab.hosts[0]!.name]);
    db = connectDb(await migratedDatabase('gantry_it_volume_copier'), { max: 2 });
    for (const h of lab.hosts) {
      ids.push((await db.host.create({ data: { name: h.name, dockerUrl: h.dockerUrl, address: h.address, cpus: 1, memoryBytes: 1073741824n } })).id);
      engines.push(connectDocker(h.dockerUrl));
    }
    copier = new DockerVolumeCopier({ db, secret: 'unused-without-tls', installation: 'itmv' });
    const filled = await run(engines[0]!, ['sh', '-c', FILL]);
    expect(filled.code, filled.out).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await db?.$disconnect();
    await lab?.stop();
  });

  it('sees the containers that use the volume, running ones only', async () => {
    expect(await copier.users(ids[0]!, VOLUME)).toEqual([]);
    const { container } = await run(engines[0]!, ['sleep', '60'], { detach: true });
    try {
      expect(await copier.users(ids[0]!, VOLUME)).toHaveLength(1);
      expect(await copier.users(ids[1]!, VOLUME)).toEqual([]);
    } finally {
      await container.remove({ force: true });
    }
    expect(await copier.users(ids[0]!, VOLUME)).toEqual([]);
  });

  it('brings the helper image along when the target lacks it', async () => {
    expect(await copier.imageOn(ids[1]!, ['nope:1', STACK])).toBeNull();
    expect(await copier.imageOn(ids[0]!, ['nope:1', STACK])).toBe(STACK);
    const t0 = Date.now();
    await copier.copyImage(ids[0]!, ids[1]!, STACK);
    console.info(`copyImage ${STACK} host to host: ${Date.now() - t0} ms`);
    expect(await copier.imageOn(ids[1]!, [STACK])).toBe(STACK);
  }, 120_000);

  it('copies every file with its owner, mode and bytes, and both lists match', async () => {
    const t0 = Date.now();
    const { bytes } = await copier.copy(ids[0]!, ids[1]!, VOLUME, STACK);
    console.info(`copied a volume of 8 MB: ${bytes} bytes of tar in ${Date.now() - t0} ms`);
    expect(bytes).toBeGreaterThan(8 * 1024 * 1024);
    const [source, target] = [await copier.listing(ids[0]!, VOLUME, STACK), await copier.listing(ids[1]!, VOLUME, STACK)];
    expect(listingProblem(source, target)).toBeNull();
    expect(source).toMatchObject({ files: 4, entries: 7 });
    expect(source.lines).toContain('f 7 600 1000:1000 sub/private');
    expect(source.lines).toContain('f 7 644 0:0 sub/with space.txt');
    expect(source.lines).toContainEqual(expect.stringMatching(/^l - 777 0:0 sub\/link$/));
    const sums = ['sh', '-c', 'cd /v && find . -type f | sort | xargs -d "\\n" sha256sum'];
    const [a, b] = [await run(engines[0]!, sums), await run(engines[1]!, sums)];
    expect(a.code, a.out).toBe(0);
    expect(b.out).toBe(a.out);
    expect(a.out).toContain('random.bin');
  }, 120_000);

  it('copies a tiny volume too (the target may close its input before the socket reports the end written)', async () => {
    const tiny = 'gantry-itmv-v-tiny';
    expect((await run(engines[0]!, ['sh', '-c', 'echo one > /v/one'], { volume: tiny })).code).toBe(0);
    for (let i = 0; i < 3; i++) {
      await copier.remove(ids[1]!, tiny);
      await copier.copy(ids[0]!, ids[1]!, tiny, STACK);
      expect(listingProblem(await copier.listing(ids[0]!, tiny, STACK), await copier.listing(ids[1]!, tiny, STACK))).toBeNull();
    }
  });

  it('notices a difference, and removes a copy (twice is fine)', async () => {
    expect((await run(engines[1]!, ['sh', '-c', 'echo changed >> /v/a.txt'])).code).toBe(0);
    const problem = listingProblem(await copier.listing(ids[0]!, VOLUME, STACK), await copier.listing(ids[1]!, VOLUME, STACK));
    expect(problem).toContain('a.txt differs or is missing on the target (source: f 6 644 0:0 a.txt)');
    await copier.remove(ids[1]!, VOLUME);
    await copier.remove(ids[1]!, VOLUME);
    expect(await engines[1]!.getVolume(VOLUME).inspect().then(() => 'there', (e: { statusCode?: number }) => e.statusCode)).toBe(404);
  });
});
