/**
 * Migration directory names: `<YYYYMMDDHHMMSS UTC>_<name>`, the format `prisma migrate dev` uses,
 * so that the directories sort in creation order and `prisma migrate deploy` accepts them.
 */
import { MigrationError } from './migration-error';

/** Prisma's engine refuses longer names. */
const MAX_NAME_LENGTH = 200;

/** "Add build logs!" -> "add_build_logs". */
export function migrationNameSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!slug) throw new MigrationError(`"${name}" is not a usable migration name: use letters, digits and underscores.`);
  if (slug.length > MAX_NAME_LENGTH) throw new MigrationError(`The migration name is longer than ${MAX_NAME_LENGTH} characters.`);
  return slug;
}

export function migrationDirectoryName(slug: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return `${stamp}_${slug}`;
}

/**
 * Migrations apply in name order: a new one must sort after every existing one. It would not if
 * this machine's clock is behind the one that created the latest migration.
 */
export function assertSortsLast(name: string, existing: readonly string[]): void {
  const latest = [...existing].sort((a, b) => a.localeCompare(b)).at(-1);
  if (latest !== undefined && name.localeCompare(latest) <= 0) {
    throw new MigrationError(
      `The new migration ${name} would sort before the latest one, ${latest}, and be applied out of order. Is this machine's clock behind?`,
    );
  }
}
