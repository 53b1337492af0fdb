/** Command line of cli.ts, parsed without side effects. */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npx tsx packages/db/src/migrate/cli.ts <command> [options]

Commands:
  deploy           apply the pending migrations to DATABASE_URL
  create <name>    write prisma/migrations/<timestamp>_<name>/ from the schema changes
  check            exit 1 if the migrations do not produce exactly prisma/schema.prisma

Options:
  --schema <path>          Prisma schema (default: <repo>/prisma/schema.prisma)
  --migrations-dir <path>  migrations (default: <repo>/prisma/migrations)
  --verbose                print the schema engine's log to stderr

Environment:
  DATABASE_URL   postgres://user:password@host:port/database (create/check: role needs CREATEDB)`;

export type CliCommand = { name: 'deploy' } | { name: 'create'; migrationName: string } | { name: 'check' };

export interface CliArgs {
  command: CliCommand;
  schemaPath: string | undefined;
  migrationsDir: string | undefined;
  verbose: boolean;
}

export function parseCliArgs(argv: string[]): { ok: true; args: CliArgs } | { ok: false; error: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        schema: { type: 'string' },
        'migrations-dir': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: false, error: '' };
  const [name, ...rest] = positionals;
  let command: CliCommand;
  if (name === 'deploy' && rest.length === 0) command = { name };
  else if (name === 'check' && rest.length === 0) command = { name };
  else if (name === 'create' && rest.length > 0) command = { name, migrationName: rest.join(' ') };
  else if (name === 'create') return { ok: false, error: 'create needs a migration name, e.g. `create add_build_logs`.' };
  else if (name === undefined) return { ok: false, error: 'Missing command.' };
  else return { ok: false, error: `Unexpected arguments: ${positionals.join(' ')}` };

  return {
    ok: true,
    args: { command, schemaPath: values.schema, migrationsDir: values['migrations-dir'], verbose: values.verbose ?? false },
  };
}
