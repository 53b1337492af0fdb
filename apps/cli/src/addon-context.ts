/**
 * Which add-on a pg:* / redis:* command is about: the NAME given, checked to be of the command's
 * kind, or the app's add-on of that kind (pickAddon: attached as DATABASE / REDIS, or the only one).
 */
import type { AddonChangeView, AddonKind, AddonView, GantryClient } from '@gantry/api-client';
import { CliError } from './args';
import { pickAddon } from './addon-args';
import { resolveApp } from './context';
import { followRelease } from './commands/releases';
import { info } from './output';

/** The command topic of a kind: pg:..., redis:... */
export const topicOf = (kind: AddonKind) => (kind === 'postgres' ? 'pg' : 'redis');

/** `name` must already be checked (checkAddonName). */
export async function resolveAddon(api: GantryClient, name: string | undefined, app: string | undefined, kind: AddonKind): Promise<AddonView> {
  if (name !== undefined) {
    const addon = await api.addon(name);
    if (addon.kind !== kind) throw new CliError(`${name} is a ${addon.kind} add-on: use the ${topicOf(addon.kind)}:* commands for it.`);
    return addon;
  }
  const appName = await resolveApp(app);
  return pickAddon(await api.addons(appName), kind, appName);
}

/** "DATABASE_URL on shop (v5), admin (v12)" from the attachments and releases of a change. */
export function changeLine(change: AddonChangeView): string {
  if (change.releases.length === 0) return 'no release needed';
  return change.releases.map((r) => `${r.app} v${r.version}`).join(', ');
}

/** --wait: follows each release the change made until it serves (exit 1 if one fails). */
export async function followChange(api: GantryClient, change: AddonChangeView): Promise<void> {
  for (const r of change.releases) {
    info(`Following ${r.app} v${r.version}:`);
    await followRelease(api, r.app, await api.release(r.app, r.version));
  }
}
