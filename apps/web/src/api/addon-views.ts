/** API views of add-ons, their attachments and backups (shapes: @gantry/api-client types). */
import type { AddonAttachmentView, AddonKind, AddonPlan, AddonView, BackupView } from '@gantry/api-client';
import { addonKindSpec, addonPrivateName, configVarOf } from '@gantry/core';
import { backupId, type AddonSummary } from '@gantry/control';
import type { Backup } from '@gantry/db';

/** What the server's allocation state means for people. */
export function addonState(s: AddonSummary['server'], hasRun: boolean): string {
  if (s.status === 'healthy') return 'available';
  if (s.status === 'unplaced' || s.status === 'pending' || s.status === 'starting') return hasRun ? 'restarting' : 'provisioning';
  return 'unavailable';
}

export function backupView(b: Backup): BackupView {
  return {
    id: backupId(b.number),
    addon: b.addonName,
    kind: b.kind as AddonKind,
    trigger: b.trigger,
    status: b.status,
    error: b.error,
    bytes: b.bytes === null ? null : Number(b.bytes),
    sha256: b.sha256,
    location: b.location,
    verify: b.verify,
    // Until a check ends, verifyDetail holds the source's counts (JSON, for the check): not for people.
    verifyDetail: b.verify === 'passed' || b.verify === 'failed' ? b.verifyDetail : null,
    createdAt: b.createdAt.toISOString(),
    finishedAt: b.finishedAt ? b.finishedAt.toISOString() : null,
  };
}

export function addonView(s: AddonSummary): AddonView {
  const { addon } = s;
  const attachments: AddonAttachmentView[] = addon.attachments.map((a) => ({
    addon: addon.name,
    app: a.app.name,
    name: a.name,
    configVar: configVarOf(a.name),
    createdAt: a.createdAt.toISOString(),
  }));
  return {
    name: addon.name,
    kind: addon.kind as AddonKind,
    plan: addon.plan as AddonPlan,
    team: addon.team.name,
    state: addonState(s.server, attachments.length > 0 || s.lastBackup !== null),
    host: s.host,
    privateName: addonPrivateName(addon.name),
    port: addonKindSpec(addon.kind).port,
    volume: addon.volume.name,
    attachments,
    lastBackup: s.lastBackup ? backupView(s.lastBackup) : null,
    backupSchedule: addon.backupAt ? { at: addon.backupAt, keep: addon.backupKeep } : null,
    ha: s.ha ? { leader: s.ha.leader, members: s.ha.members, readAt: s.ha.readAt ? new Date(s.ha.readAt).toISOString() : null, error: s.ha.error } : null,
    createdAt: addon.createdAt.toISOString(),
  };
}
