/**
 * Pure validation and choices of the add-on, backup and volume commands, done before any network
 * call (or, for pickAddon / pickBackup, on lists already fetched). Every problem is a CliError that
 * says what to type instead.
 */
import type { AddonKind, AddonPlan, AddonView, BackupView } from '@gantry/api-client';
import { appNameProblem } from '@gantry/core';
import { CliError } from './args';

export const ADDON_KINDS: readonly AddonKind[] = ['postgres', 'redis'];
export const ADDON_PLANS: readonly AddonPlan[] = ['small', 'medium', 'large'];
/** The attachment an app's add-on of each kind is found by when no name is given (DATABASE_URL, REDIS_URL). */
export const DEFAULT_ATTACHMENT: Record<AddonKind, string> = { postgres: 'DATABASE', redis: 'REDIS' };
/** How many scheduled backups may be kept. */
export const MAX_KEEP = 90;

/** "postgres" or "redis" (also "postgresql", "pg", any case). */
export function parseAddonKind(input: string): AddonKind {
  const k = input.trim().toLowerCase();
  if (k === 'postgres' || k === 'postgresql' || k === 'pg') return 'postgres';
  if (k === 'redis') return 'redis';
  throw new CliError(`Unknown add-on kind ${JSON.stringify(input)}. Kinds: ${ADDON_KINDS.join(', ')}.`);
}

export function parsePlan(input: string): AddonPlan {
  const p = input.trim().toLowerCase();
  if ((ADDON_PLANS as readonly string[]).includes(p)) return p as AddonPlan;
  throw new CliError(`Unknown plan ${JSON.stringify(input)}. Plans: ${ADDON_PLANS.join(', ')}.`);
}

/** Add-on names are the names of their backing apps: postgres-shiny-1234. */
export function checkAddonName(name: string): string {
  const problem = appNameProblem(name);
  if (problem) throw new CliError(`Invalid add-on name ${JSON.stringify(name)}: it ${problem} (see \`gantry addons\`).`);
  return name;
}

/** Volume names follow the rules of app names (lowercase letters, digits, dashes; 3-30). */
export function checkVolumeName(name: string): string {
  const problem = appNameProblem(name);
  if (problem) throw new CliError(`Invalid volume name ${JSON.stringify(name)}: it ${problem}.`);
  return name;
}

/**
 * --as: the config var prefix, upper-cased ("database" -> "DATABASE", giving DATABASE_URL). A
 * name ending in _URL is refused: it would give DATABASE_URL_URL.
 */
export function parseAttachmentName(input: string): string {
  const name = input.trim().toUpperCase();
  if (/_URL$/.test(name)) throw new CliError(`--as names the prefix of the config var: --as ${name.slice(0, -4)} gives ${name}.`);
  if (!/^[A-Z][A-Z0-9_]{0,49}$/.test(name)) {
    throw new CliError(`Invalid --as ${JSON.stringify(input)}: use letters, digits and "_", starting with a letter (e.g. DATABASE, ANALYTICS_DB).`);
  }
  return name;
}

/** --at: "HH:MM" in UTC, 00:00 to 23:59 ("2:00" -> "02:00"). */
export function parseBackupTime(input: string): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(input.trim());
  const h = m ? Number(m[1]) : NaN;
  const min = m ? Number(m[2]) : NaN;
  if (!(h >= 0 && h <= 23 && min >= 0 && min <= 59)) throw new CliError(`Invalid --at ${JSON.stringify(input)}: a UTC time as HH:MM, from 00:00 to 23:59 (e.g. 02:00).`);
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
}

/** --keep: how many scheduled backups to keep, 1 to 90. */
export function parseKeep(input: string): number {
  const n = /^\d{1,3}$/.test(input.trim()) ? Number(input.trim()) : NaN;
  if (!(n >= 1 && n <= MAX_KEEP)) throw new CliError(`Invalid --keep ${JSON.stringify(input)}: a whole number from 1 to ${MAX_KEEP}.`);
  return n;
}

const BACKUP_ID = /^b\d{1,9}$/i;

export function checkBackupId(input: string): string {
  if (!BACKUP_ID.test(input.trim())) throw new CliError(`Invalid backup id ${JSON.stringify(input)}: use one like b003 (see \`gantry pg:backups\`).`);
  return input.trim().toLowerCase();
}

/**
 * The optional [ID] [NAME] words of pg:backups:restore / :download / :info, in either order: a
 * word like b003 is the backup's id, another one the add-on's name.
 */
export function splitBackupArgs(words: readonly (string | undefined)[]): { id?: string; addon?: string } {
  const out: { id?: string; addon?: string } = {};
  for (const w of words) {
    if (w === undefined) continue;
    if (BACKUP_ID.test(w.trim())) {
      if (out.id) throw new CliError(`Two backup ids given (${out.id} and ${w}): give one.`);
      out.id = checkBackupId(w);
    } else {
      if (out.addon) throw new CliError(`Two add-on names given (${out.addon} and ${w}): give one, and a backup id like b003.`);
      out.addon = checkAddonName(w);
    }
  }
  return out;
}

/** volumes:mount PATH: an absolute path inside the container, not "/" and without "..". */
export function checkMountPath(input: string): string {
  const path = input.trim().replace(/\/+$/, '');
  if (!path.startsWith('/') || path.length > 200 || /[\s:,\0]/.test(path) || path.split('/').some((p) => p === '..' || p === '.')) {
    throw new CliError(`Invalid mount path ${JSON.stringify(input)}: an absolute path in the container such as /app/data (no spaces, ":", "," or "..").`);
  }
  if (path === '') throw new CliError('Cannot mount a volume at "/": name a directory such as /app/data.');
  return path;
}

/**
 * The add-on a command is about when no name is given: among the app's add-ons of that kind, the
 * one the app attached as DATABASE (postgres) / REDIS (redis), else its only one.
 */
export function pickAddon(addons: readonly AddonView[], kind: AddonKind, app: string): AddonView {
  const ofKind = addons.filter((a) => a.kind === kind);
  const topic = kind === 'postgres' ? 'pg' : 'redis';
  if (ofKind.length === 0) throw new CliError(`${app} has no ${kind} add-on. Create one: gantry addons:create ${kind} -a ${app}`);
  const byDefault = ofKind.find((a) => a.attachments.some((t) => t.app === app && t.name === DEFAULT_ATTACHMENT[kind]));
  if (byDefault) return byDefault;
  if (ofKind.length === 1) return ofKind[0]!;
  const names = ofKind.map((a) => a.name).join(', ');
  throw new CliError(`${app} has several ${kind} add-ons (${names}) and none attached as ${DEFAULT_ATTACHMENT[kind]}: name one, e.g. gantry ${topic}:info ${ofKind[0]!.name}`);
}

/** The backup an [ID] names, or the newest succeeded one when none is given (lists are newest first). */
export function pickBackup(backups: readonly BackupView[], addon: string, id: string | undefined, topic = 'pg'): BackupView {
  if (id !== undefined) {
    const found = backups.find((b) => b.id === id);
    if (!found) throw new CliError(`${addon} has no backup ${id} (see \`gantry ${topic}:backups ${addon}\`).`);
    if (found.status !== 'succeeded') throw new CliError(`Backup ${id} of ${addon} ${found.status === 'failed' ? `failed${found.error ? ` (${found.error})` : ''}` : `is ${found.status}`}: it cannot be used.`);
    return found;
  }
  const newest = backups.find((b) => b.status === 'succeeded');
  if (!newest) throw new CliError(`${addon} has no succeeded backup yet. Take one: gantry ${topic}:backups:capture ${addon}`);
  return newest;
}

/** The default file of pg:backups:download: <addon>-<id>.dump (Redis: .rdb). */
export function backupFileName(addon: string, id: string, kind: AddonKind): string {
  return `${addon}-${id}.${kind === 'redis' ? 'rdb' : 'dump'}`;
}
