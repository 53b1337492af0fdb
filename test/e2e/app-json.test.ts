/**
 * app.json as Heroku reads it, through git push and the `gantry` CLI: `formation` (a worker-only
 * app; ps:scale wins over app.json afterwards), `env` (defaults for a new app, a generated secret
 * kept across pushes, required variables missing fail the push and change nothing), a key of the
 * wrong type, and `release`, which is never a scalable process type.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '@gantry/api-client';
import { gantryCli, run, cliUser, type CliUser } from './helpers/cli';
import { testDb, uniqueName } from './helpers/gantry';
import { commitAll, repoFromFixture, writeAndCommit } from './helpers/git';
import { appGet, waitFor } from './helpers/http';

interface PsRow {
  process: string;
  state: string;
  release: number;
}

interface ReleaseRow {
  version: number;
  status: string;
  statusReason: string | null;
}

/** A user with the CLI, an app created in a repository made from a fixture (remote "gantry"). */
async function appFrom(fixture: string, label: string) {
  const who: CliUser = await cliUser(label);
  const app = uniqueName(label);
  const repo = await repoFromFixture(fixture);
  const g = (...args: string[]) => gantryCli(who.home, args, { cwd: repo });
  const created = await g('apps:create', app);
  expect(created.code, created.stderr).toBe(0);
  const push = async () => {
    const r = await run('git', ['push', 'gantry', 'main'], { home: who.home, cwd: repo });
    return { ...r, output: r.stderr + r.stdout };
  };
  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await g(...args, '--json');
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  return { who, app, repo, g, push, json };
}

const apps: { g: (...args: string[]) => Promise<unknown>; app: string }[] = [];
afterAll(async () => {
  for (const a of apps) await a.g('apps:destroy', '--confirm', a.app);
});

describe('app.json formation', () => {
  it('deploys a worker-only app, and a later ps:scale is never overridden by app.json', async () => {
    const t = await appFrom('worker-only', 'worker');
    apps.push(t);

    const first = await t.push();
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('Released v1');
    // app.json names a type the Procfile does not define: a warning, not a failure.
    expect(first.output).toContain('Warning: app.json formation names clock, which is not a process type of this app; ignored.');

    // The worker runs; no web instance is started (app.json says web: 0), release never runs as an instance.
    const ps = await waitFor('worker.1 up', async () => {
      const list = await t.json<PsRow[]>('ps');
      return list.some((i) => i.process === 'worker.1' && i.state === 'up') ? list : null;
    });
    expect(ps.map((i) => i.process)).toEqual(['worker.1']);
    const logs = await waitFor('the worker output in the logs', async () => {
      const r = await t.g('logs', '-n', '300');
      return /app\[worker\.1\]: worker tick 3 on worker\.1/.test(r.stdout) ? r.stdout : null;
    });
    expect(logs).not.toMatch(/app\[web\.\d\]/);

    // The formation lists web and worker, with app.json's quantity and size; never release.
    const formation = await t.who.user.client.formation(t.app);
    expect(formation.map((f) => [f.type, f.quantity, f.size])).toEqual([
      ['web', 0, 'standard-1x'],
      ['worker', 1, 'basic'],
    ]);
    const line = await t.g('ps:scale');
    expect(line.stdout).not.toContain('release');

    // release is not a scalable type: the CLI refuses it, and so does the API (422).
    const scaleRelease = await t.g('ps:scale', 'release=1');
    expect(scaleRelease.code).not.toBe(0);
    expect(scaleRelease.stderr).toContain('release runs once per release, in the release phase; it cannot be scaled.');
    const resizeRelease = await t.g('ps:type', 'release=basic');
    expect(resizeRelease.code).not.toBe(0);
    expect(resizeRelease.stderr).toContain('it cannot be scaled');
    const api = await t.who.user.client.updateFormation(t.app, { release: { quantity: 1 } }).catch((err: ApiError) => err);
    expect(api).toBeInstanceOf(ApiError);
    expect((api as ApiError).status).toBe(422);
    expect((api as ApiError).message).toBe('release runs once per release, in the release phase; it cannot be scaled.');

    // ps:scale, then another push: app.json (worker: 1) does not undo worker=2.
    const scaled = await t.g('ps:scale', 'worker=2');
    expect(scaled.code, scaled.stderr).toBe(0);
    await writeAndCommit(t.repo, 'CHANGES', 'second push\n');
    const second = await t.push();
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('Released v2');
    expect((await t.who.user.client.formation(t.app)).map((f) => [f.type, f.quantity])).toEqual([
      ['web', 0],
      ['worker', 2],
    ]);
    await waitFor('worker.1 and worker.2 of v2 up', async () => {
      const list = await t.json<PsRow[]>('ps');
      const up = list.filter((i) => i.state === 'up' && i.release === 2).map((i) => i.process).sort();
      return up.join() === 'worker.1,worker.2' && list.length === 2 ? list : null;
    });

    // A worker that exits at once fails its deploy with the reason; v2 keeps running.
    const bad = await t.g('config:set', 'WORKER_EXIT=3');
    expect(bad.code).not.toBe(0);
    const releases = await waitFor('v3 failed', async () => {
      const list = await t.json<ReleaseRow[]>('releases');
      return list.find((r) => r.version === 3 && r.status === 'failed') ? list : null;
    });
    expect(releases.find((r) => r.version === 3)!.statusReason).toMatch(/^worker\.\d of v3 did not become healthy: it exited with code 3/);
    const after = await t.json<PsRow[]>('ps');
    expect(after.filter((i) => i.state === 'up').map((i) => `${i.process}@v${i.release}`).sort()).toEqual(['worker.1@v2', 'worker.2@v2']);
  });
});

describe('app.json env', () => {
  it('sets defaults and a secret on a new app, fails a push for a missing required var without changing anything, and keeps the secret', async () => {
    const t = await appFrom('app-json-env', 'appenv');
    apps.push(t);

    const first = await t.push();
    expect(first.code, first.output).toBe(0);
    // Names and reasons, never the values.
    expect(first.output).toContain('app.json: set GREETING (default), SESSION_SECRET (generated), WEB_CONCURRENCY (default)');
    const config1 = await t.json<Record<string, string>>('config');
    expect(config1).toEqual({ GREETING: 'from-app-json', SESSION_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/), WEB_CONCURRENCY: '3' });
    expect(first.output).not.toContain(config1.SESSION_SECRET);
    // The release carries the new config: the app sees the default.
    expect((await appGet(t.app)).body).toContain('greeting=from-app-json');
    // The audit log has the keys only.
    const audit = await testDb().auditEvent.findMany({ where: { action: 'config.change', target: t.app } });
    expect(audit.map((a) => a.details)).toEqual([{ set: ['GREETING', 'SESSION_SECRET', 'WEB_CONCURRENCY'], unset: [], source: 'app.json' }]);
    expect(JSON.stringify(audit)).not.toContain(config1.SESSION_SECRET);

    // A required variable without value, and a new secret: the push fails listing what is missing;
    // nothing is kept (no API_TOKEN), v1 keeps serving.
    const manifest = JSON.parse(await readFile(join(t.repo, 'app.json'), 'utf8'));
    manifest.env.STRIPE_KEY = { description: 'Your Stripe secret key' };
    manifest.env.API_TOKEN = { generator: 'secret' };
    manifest.env.NEW_DEFAULT = { value: 'not-for-old-apps' };
    manifest.env.GREETING.value = 'changed-default';
    await writeAndCommit(t.repo, 'app.json', JSON.stringify(manifest, null, 2));
    const failed = await t.push();
    expect(failed.code).not.toBe(0);
    expect(failed.output).toContain('app.json requires config vars that are not set:');
    expect(failed.output).toContain('STRIPE_KEY: Your Stripe secret key');
    expect(failed.output).toContain('NEW_DEFAULT: (no description in app.json) (app.json default: not-for-old-apps)');
    expect(failed.output).toContain(`Set them with: gantry config:set NEW_DEFAULT=... STRIPE_KEY=... -a ${t.app}`);
    expect(await t.json<Record<string, string>>('config')).toEqual(config1);
    expect((await t.json<ReleaseRow[]>('releases')).map((r) => r.version)).toEqual([1]);
    expect((await appGet(t.app)).body).toContain('greeting=from-app-json');

    // Set them, push again: it deploys; the secret is the one made first, the new one is made now,
    // defaults are not applied to an app that was built before.
    const set = await t.g('config:set', 'STRIPE_KEY=sk_test_1', 'NEW_DEFAULT=mine');
    expect(set.code, set.stderr).toBe(0);
    const ok = await t.push();
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toContain('app.json: set API_TOKEN (generated)');
    const config3 = await t.json<Record<string, string>>('config');
    expect(config3).toEqual({ ...config1, STRIPE_KEY: 'sk_test_1', NEW_DEFAULT: 'mine', API_TOKEN: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(config3.API_TOKEN).not.toBe(config1.SESSION_SECRET);
    expect((await appGet(t.app)).body).toContain('greeting=from-app-json');
  });

  it('fails a push whose app.json has a key of the wrong type, naming the key', async () => {
    const t = await appFrom('app-json-env', 'appbad');
    apps.push(t);
    const manifest = JSON.parse(await readFile(join(t.repo, 'app.json'), 'utf8'));
    await writeFile(join(t.repo, 'app.json'), JSON.stringify({ ...manifest, formation: 3 }));
    await commitAll(t.repo, 'formation: 3');
    const r = await t.push();
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('app.json: "formation" must be an object of process type -> { "quantity", "size" }, not number 3.');
    expect(await t.json<Record<string, string>>('config')).toEqual({});
    expect(await t.json<ReleaseRow[]>('releases')).toEqual([]);
  });
});
