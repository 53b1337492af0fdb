/**
 * Installation-wide settings (core/settings.ts defines the keys): Gantry admins read and change
 * them; the services that act on one (drains, builder) read it through their own loader
 * (egress-policy.ts for egress.allow).
 */
import { Forbidden, InvalidInput, settingDefinition, SETTINGS } from '@gantry/core';
import type { Prisma } from '@gantry/db';
import type { Actor, Ctx } from './context';

export interface SettingView {
  key: string;
  value: string;
  help: string;
  updatedAt: Date | null;
}

function requireSettingsAdmin(actor: Actor): void {
  if (!actor.isAdmin) throw new Forbidden('Only Gantry admins read and change installation settings.');
}

export async function listSettings(ctx: Ctx, actor: Actor): Promise<SettingView[]> {
  requireSettingsAdmin(actor);
  const rows = new Map((await ctx.db.platformSetting.findMany()).map((r) => [r.key, r]));
  return SETTINGS.map((def) => {
    const row = rows.get(def.key);
    return { key: def.key, value: def.format(row ? storedValue(def.key, row.value) : def.fallback), help: def.help, updatedAt: row?.updatedAt ?? null };
  });
}

/** `text` is the value as typed (e.g. "10.0.0.0/8,192.168.5.0/24"); an empty text resets the key. */
export async function setSetting(ctx: Ctx, actor: Actor, key: string, text: string): Promise<SettingView> {
  requireSettingsAdmin(actor);
  const def = settingDefinition(key);
  if (text.includes('\0')) throw new InvalidInput('A setting cannot contain a NUL byte.');
  const value = def.parse(text) as Prisma.InputJsonValue;
  const row = await ctx.db.platformSetting.upsert({
    where: { key: def.key },
    create: { key: def.key, value, updatedBy: actor.userId },
    update: { value, updatedBy: actor.userId },
  });
  return { key: def.key, value: def.format(value), help: def.help, updatedAt: row.updatedAt };
}

/** A stored value, checked again: a value written by an older version that no longer parses is ignored. */
export function storedValue(key: string, raw: unknown): unknown {
  const def = settingDefinition(key);
  try {
    return def.parse(def.format(raw));
  } catch {
    return def.fallback;
  }
}

/** One setting's value (its fallback when unset), for services. */
export async function readSetting<T>(db: Ctx['db'], key: string): Promise<T> {
  const row = await db.platformSetting.findUnique({ where: { key } });
  return (row ? storedValue(key, row.value) : settingDefinition(key).fallback) as T;
}
