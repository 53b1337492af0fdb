/**
 * The remaining CLI topics through the real `gantry` binary (own HOME and login): domains*,
 * certs*, ps:type, and the hosts* lifecycle an admin goes through. Other topics have their own
 * files (cli, cli-more, logs, metrics, drains, cluster).
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSigned } from './helpers/certs';
import { gantryCli, type CliResult, cliUser as loggedIn, type CliUser } from './helpers/cli';
import { gantry, uniqueName } from './helpers/gantry';
import { push, repoFromFixture } from './helpers/git';
import { get, waitFor } from './helpers/http';


const dirs: string[] = [];
async function cliUser(label: string, admin = false): Promise<CliUser> {
  const u = await loggedIn(label, { admin });
  dirs.push(u.home);
  return u;
}

function ok(r: CliResult): CliResult {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

let owner: CliUser;
let other: CliUser;
const app = uniqueName('topics');
const domain = `${app}.example.org`;

beforeAll(async () => {
  owner = await cliUser('topics');
  other = await cliUser('topics-other');
  await owner.user.client.createApp(app);
  expect((await push(await repoFromFixture('dockerfile-app'), app, owner.user.token)).code).toBe(0);
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('gantry domains, certs, ps:type, hosts', () => {
  it('adds, lists and removes a custom domain; another team cannot claim it', async () => {
    const add = ok(await gantryCli(owner.home, ['domains:add', domain, '-a', app]));
    expect(add.stdout + add.stderr).toContain(domain);
    const list = ok(await gantryCli(owner.home, ['domains', '-a', app, '--json']));
    expect((JSON.parse(list.stdout) as { hostname: string }[]).map((d) => d.hostname)).toContain(domain);
    await waitFor('the domain to route', async () => ((await get(gantry().routerPort, domain)).status === 200 ? true : null));

    const theirs = uniqueName('theirs');
    await other.user.client.createApp(theirs);
    const claim = await gantryCli(other.home, ['domains:add', domain, '-a', theirs]);
    expect(claim.code).toBe(1);
    expect(claim.stderr).toMatch(/already|taken|belongs/i);

    const bad = await gantryCli(owner.home, ['domains:add', 'not a hostname', '-a', app]);
    expect(bad.code).not.toBe(0);
  });

  it('adds a certificate for the domain, lists it and removes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-certs-'));
    dirs.push(dir);
    const { cert, key } = selfSigned([domain]);
    writeFileSync(join(dir, 'cert.pem'), cert);
    writeFileSync(join(dir, 'key.pem'), key);
    ok(await gantryCli(owner.home, ['certs:add', join(dir, 'cert.pem'), join(dir, 'key.pem'), '-a', app]));
    const list = JSON.parse(ok(await gantryCli(owner.home, ['certs', '-a', app, '--json'])).stdout) as { id: string; hostnames: string[] }[];
    expect(list).toHaveLength(1);
    expect(list[0]!.hostnames).toContain(domain);

    // A key that does not belong to the certificate is refused, and nothing is stored.
    const otherKey = selfSigned([domain]).key;
    writeFileSync(join(dir, 'wrong-key.pem'), otherKey);
    const wrong = await gantryCli(owner.home, ['certs:add', join(dir, 'cert.pem'), join(dir, 'wrong-key.pem'), '-a', app]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/key/i);

    ok(await gantryCli(owner.home, ['certs:remove', list[0]!.id, '-a', app]));
    expect(JSON.parse(ok(await gantryCli(owner.home, ['certs', '-a', app, '--json'])).stdout)).toEqual([]);
    ok(await gantryCli(owner.home, ['domains:remove', domain, '-a', app]));
    await waitFor('the domain to stop routing', async () => ((await get(gantry().routerPort, domain)).status === 404 ? true : null));
  });

  it('changes the size of a process type with ps:type', async () => {
    ok(await gantryCli(owner.home, ['ps:type', 'web=basic', '-a', app]));
    const shown = ok(await gantryCli(owner.home, ['ps:type', '-a', app]));
    expect(shown.stdout).toMatch(/web\s+1\s+basic/);
    const unknown = await gantryCli(owner.home, ['ps:type', 'web=galactic', '-a', app]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown size');
  });

  it('takes an admin through hosts:add, hosts:info, hosts:drain/undrain and hosts:remove', async () => {
    const admin = await cliUser('topics-admin', true);
    const name = uniqueName('h').toLowerCase();
    const plain = await gantryCli(admin.home, ['hosts:add', name, '--docker', 'tcp://127.0.0.1:1', '--address', '127.0.0.1']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/without TLS.*--insecure/s);
    const unreachable = await gantryCli(admin.home, ['hosts:add', name, '--docker', 'tcp://127.0.0.1:1', '--address', '127.0.0.1', '--insecure']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/no TLS: anyone who can reach its port controls the engine/);
    expect(unreachable.stderr).toMatch(/reach|connect/i);

    ok(await gantryCli(admin.home, ['hosts:add', name, '--docker', 'unix:///var/run/docker.sock', '--address', '127.0.0.1', '--label', 'zone=test', '--remote', '--cpu', '1', '--memory', '1g']));
    const list = ok(await gantryCli(admin.home, ['hosts', '--json']));
    expect((JSON.parse(list.stdout) as { name: string }[]).map((h) => h.name)).toContain(name);
    const info = ok(await gantryCli(admin.home, ['hosts:info', name]));
    expect(info.stdout).toContain('zone=test');
    ok(await gantryCli(admin.home, ['hosts:drain', name]));
    expect(ok(await gantryCli(admin.home, ['hosts'])).stdout).toMatch(new RegExp(`${name}\\s+\\S+, draining`));
    ok(await gantryCli(admin.home, ['hosts:undrain', name]));
    ok(await gantryCli(admin.home, ['hosts:remove', name, '--confirm', name]));
    expect((JSON.parse(ok(await gantryCli(admin.home, ['hosts', '--json'])).stdout) as { name: string }[]).map((h) => h.name)).not.toContain(name);

    // Not an admin: refused.
    const denied = await gantryCli(owner.home, ['hosts:add', `${name}-x`, '--docker', 'unix:///var/run/docker.sock', '--address', '127.0.0.1']);
    expect(denied.code).toBe(1);
  });
});
