/**
 * npx tsx packages/db/src/migrate/cli.ts deploy | create <name> | check
 *
 * Reads DATABASE_URL. Prints one line per applied migration. Exit codes: 0 done (check: up to
 * date), 1 failure (check: the migrations do not produce the schema), 2 usage.
 * Exits explicitly when done: the wasm engine arms timers it never cancels, which kept processes
 * alive long after the work (wasm-loader.ts unrefs them; the explicit exit makes sure).
 */
import { isAbsolute, join, relative } from 'node:path';
import { applyMigrations } from './apply';
import { checkMigrations } from './check';
import { type CliArgs, USAGE, parseCliArgs } from './cli-args';
import { createMigration } from './create';
import { MigrationError } from './migration-error';
import type { MigrateOptions } from './options';
import { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH } from './paths';

async function run(args: CliArgs, databaseUrl: string): Promise<number> {
  const options: MigrateOptions = {
    databaseUrl,
    schemaPath: args.schemaPath ?? DEFAULT_SCHEMA_PATH,
    migrationsDir: args.migrationsDir ?? DEFAULT_MIGRATIONS_DIR,
    onEngineLog: args.verbose ? (line) => process.stderr.write(`${line.trimEnd()}\n`) : undefined,
  };
  const started = performance.now();
  const took = () => `${((performance.now() - started) / 1000).toFixed(2)} s`;

  switch (args.command.name) {
    case 'deploy': {
      const { applied } = await applyMigrations(options);
      for (const name of applied) console.log(`Applied ${name}`);
      if (applied.length === 0) console.log(`No pending migrations (${took()}).`);
      else console.log(`${applied.length} migration(s) applied (${took()}).`);
      return 0;
    }
    case 'create': {
      const { created } = await createMigration({ ...options, name: args.command.migrationName });
      if (created === null) console.log(`The schema has no changes: no migration created (${took()}).`);
      else console.log(`Created ${displayPath(join(options.migrationsDir, created, 'migration.sql'))} (${took()}).`);
      return 0;
    }
    case 'check': {
      const { upToDate, diffSql } = await checkMigrations(options);
      if (upToDate) {
        console.log(`The migrations produce exactly the schema (${took()}).`);
        return 0;
      }
      process.stdout.write(diffSql);
      console.error('The migrations do not produce the schema (SQL above). Create a migration: `cli.ts create <name>`.');
      return 1;
    }
  }
}

/** Relative to the current directory when inside it, else absolute. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) {
    if (parsed.error) console.error(parsed.error);
    console.error(USAGE);
    return parsed.error ? 2 : 0;
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('DATABASE_URL is not set (e.g. postgres://gantry:gantry@127.0.0.1:5432/gantry).');
    return 2;
  }
  try {
    return await run(parsed.args, databaseUrl);
  } catch (error) {
    console.error(error instanceof MigrationError ? error.message : error);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// Let stdout/stderr drain, then exit (see the header).
await new Promise<void>((done) => process.stdout.write('', () => process.stderr.write('', () => done())));
process.exit(code);
