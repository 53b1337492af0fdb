/**
 * Add-ons benchmark (npm run bench:addons), one run, on an isolated Gantry on this machine's engine:
 *   1. provisioning: POST /apps/:app/addons {kind: postgres} until it answers with the app's
 *      release carrying DATABASE_URL (checked), PROVISIONS times, each destroyed after; the median;
 *   2. a database of GANTRY_BENCH_DB_GB (default 1) generated inside a fresh add-on's server, then
 *      backup and restore through Gantry (pg:backups:capture: takeBackup to the store, checksum,
 *      fsync; pg:backups:restore after DROP TABLE: checksum, copy in, pg_restore) beside plain
 *      pg_dump -Fc to a file on the host / pg_restore --single-transaction run by docker exec in
 *      the same server container; MB/s of the database size and the ratio Gantry / plain; then a
 *      scheduled backup (the source counted around the dump) and its check (verifyBackup: a
 *      restore into a scratch server, row counts compared);
 *   3. on a lab of three Docker hosts (addons-lab.ts), the app writing through DATABASE_URL
 *      (addons-writer.ts): the write pause and lost acknowledged writes of an addons:move, and of an
 *      HA add-on's failover (its leader's host killed) with the promotion time (addons-slots.ts).
 * Settings (addons-options.ts): GANTRY_BENCH_DB_GB, GANTRY_BENCH_ADDONS_ONLY=storage|lab.
 * Prints the figures and a bar chart of the times, and keeps them in .gantry/bench/. Exits 1 when a
 * check or a measurement failed or an acknowledged write was lost (the other figures still print).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '@gantry/config';
import { ADDON_INCLUDE, takeBackup, verifyBackup } from '@gantry/control';
import { printRows, runBench, secs } from './common';
import { dropTable, generate, plainDump, plainRestore, rowCount, serverOf, type Server } from './addons-data';
import { addonRows, failures, timeChart, type AddonFigures, type StorageFigures } from './addons-figures';
import { addonBenchOptions } from './addons-options';
import { withAddonBench, type AddonBench } from './addons-setup';
import { measureSlots } from './addons-slots';

const PROVISIONS = 3;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const out = await fn();
  return [out, performance.now() - started];
}

/** Creates a Postgres add-on and checks the app's newest release carries its DATABASE_URL; the add-on's name and the time. */
async function provision(b: AddonBench): Promise<{ name: string; ms: number }> {
  const [change, ms] = await timed(() => b.client.createAddon(b.app, { kind: 'postgres' }));
  const release = change.releases.find((r) => r.app === b.app);
  if (!release) throw new Error(`addons:create of ${change.addon.name} made no release of ${b.app}`);
  const newest = (await b.client.releases(b.app))[0];
  if (newest?.version !== release.version) throw new Error(`${b.app}'s newest release is v${newest?.version}, not the attach release v${release.version}`);
  if (!(await b.client.config(b.app)).DATABASE_URL?.includes(`@${change.addon.name}.internal:`)) throw new Error(`${b.app} has no DATABASE_URL naming ${change.addon.name}`);
  return { name: change.addon.name, ms };
}

async function measureProvisioning(b: AddonBench): Promise<number[]> {
  const out: number[] = [];
  for (let i = 1; i <= PROVISIONS; i++) {
    const { name, ms } = await provision(b);
    console.log(`  provision ${i}/${PROVISIONS}: ${name} in ${secs(ms)} (destroying it)`);
    out.push(ms);
    await b.client.destroyAddon(name, name);
  }
  return out;
}

async function expectRows(s: Server, rows: number, after: string): Promise<void> {
  const n = await rowCount(s);
  if (n !== rows) throw new Error(`after ${after}, ${s.name} has ${n} rows, not ${rows}`);
}

async function measureCopies(b: AddonBench, s: Server, rows: number): Promise<Pick<StorageFigures, 'backup' | 'restore'>> {
  console.log('Backup through Gantry (pg:backups:capture)...');
  const [backup, gantryDumpMs] = await timed(() => b.client.captureBackup(s.name));
  console.log(`  ${backup.id}: ${secs(gantryDumpMs)}, ${backup.bytes} bytes`);
  console.log('Plain pg_dump -Fc (docker exec, to a file on the host)...');
  const [file, plainDumpMs] = await timed(() => plainDump(s, b.work));
  console.log(`  ${secs(plainDumpMs)}, ${file.bytes} bytes`);

  console.log(`Restore through Gantry (DROP TABLE, pg:backups:restore ${backup.id})...`);
  await dropTable(s);
  const [, gantryRestoreMs] = await timed(() => b.client.restoreBackup(s.name, backup.id));
  await expectRows(s, rows, 'the restore through Gantry');
  console.log(`  ${secs(gantryRestoreMs)}`);
  console.log('Plain pg_restore (DROP TABLE, copy in, docker exec pg_restore)...');
  await dropTable(s);
  const [, plainRestoreMs] = await timed(() => plainRestore(s, file));
  await expectRows(s, rows, 'the plain restore');
  console.log(`  ${secs(plainRestoreMs)}`);
  const bytes = Number(backup.bytes);
  return {
    backup: { gantry: { ms: gantryDumpMs, fileBytes: bytes }, plain: { ms: plainDumpMs, fileBytes: file.bytes } },
    restore: { gantry: { ms: gantryRestoreMs, fileBytes: bytes }, plain: { ms: plainRestoreMs, fileBytes: file.bytes } },
  };
}

/** A scheduled backup as the backup timer takes it (counting the source), then its check. */
async function measureVerify(b: AddonBench, name: string): Promise<StorageFigures['verify']> {
  console.log('Scheduled backup (source counted) and its check (verifyBackup, scratch server)...');
  const addon = await b.ctx.db.addon.findUniqueOrThrow({ where: { name }, include: ADDON_INCLUDE });
  const [taken, backupMs] = await timed(() => takeBackup(b.ctx, addon, 'scheduled'));
  const [checked, verifyMs] = await timed(() => verifyBackup(b.ctx, taken));
  console.log(`  backup ${secs(backupMs)}, check ${secs(verifyMs)}: ${checked.verify} ${checked.verifyDetail ?? ''}`);
  return { backupMs, verifyMs, passed: checked.verify === 'passed', detail: checked.verifyDetail ?? '' };
}

/** Sections 1 and 2 on this machine's engine; the big add-on destroyed after when the lab follows (local must drain). */
async function measureStorage(b: AddonBench, target: number, labFollows: boolean): Promise<StorageFigures> {
  console.log(`Provisioning Postgres ${PROVISIONS} times...`);
  const provisionMs = await measureProvisioning(b);
  const { name } = await provision(b);
  const s = await serverOf(b.ctx, name);
  console.log(`Generating ${(target / 1e9).toFixed(2)} GB in ${name}...`);
  const [db, generateMs] = await timed(() => generate(s, target, (l) => console.log(l)));
  const copies = await measureCopies(b, s, db.rows);
  // A failed check is a figure (printed, exit 1), not a crash that hides the others.
  const verify = await measureVerify(b, name).catch((err: Error) => ({ failed: err.message }));
  if (labFollows) {
    console.log(`Destroying ${name} (its final backup), so that the local host can be drained for the lab...`);
    const [, ms] = await timed(() => b.client.destroyAddon(name, name));
    console.log(`  ${secs(ms)}`);
  }
  return { provisionMs, db: { ...db, generateMs }, ...copies, verify };
}

async function main(): Promise<void> {
  const opts = addonBenchOptions(process.env);
  const skipped = (part: string) => ({ skipped: `GANTRY_BENCH_ADDONS_ONLY=${part}` });
  const figures = await withAddonBench(async (b): Promise<AddonFigures> => {
    const storage = opts.storage ? await measureStorage(b, opts.targetBytes, opts.lab) : skipped('lab');
    const slots = opts.lab ? await measureSlots(b) : { move: skipped('storage'), failover: skipped('storage') };
    return { storage, ...slots };
  });
  const parts = [
    ...('skipped' in figures.storage ? [] : [`a ${(figures.storage.db.bytes / 1e9).toFixed(2)} GB database on this machine's engine`]),
    ...(opts.lab ? ['move and failover on a lab of three Docker hosts'] : []),
  ];
  const title = `Add-ons benchmark: PostgreSQL add-ons, ${parts.join('; ')}, one run`;
  const rows = addonRows(figures);
  const chart = timeChart(figures);
  printRows(title, rows);
  console.log('\n' + chart.map((l) => `  ${l}`).join('\n'));
  const dir = join(REPO_ROOT, '.gantry', 'bench');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `addons-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const failed = failures(figures);
  await writeFile(file, JSON.stringify({ title, figures, rows, chart, failures: failed }, null, 2) + '\n');
  console.log(`\nFigures kept in ${file}`);
  for (const f of failed) console.error(`FAILED: ${f}`);
  process.exit(failed.length ? 1 : 0);
}

runBench(main);
