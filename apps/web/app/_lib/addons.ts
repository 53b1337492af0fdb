/**
 * How the Add-ons tab colours things: an add-on's state (available green, provisioning and
 * restarting amber, unavailable red) and a backup's status and verification.
 */
import type { BackupView } from '@gantry/api-client';

const ADDON_TONE: Record<string, string> = {
  available: 'ok',
  provisioning: 'warn pulse',
  restarting: 'warn pulse',
  unavailable: 'bad',
};

/** Unknown states are shown amber: something is going on that the dashboard has no word for. */
export const addonTone = (state: string): string => ADDON_TONE[state] ?? 'warn';

const BACKUP_TONE: Record<string, string> = { succeeded: 'ok', running: 'info pulse', failed: 'bad' };
export const backupTone = (status: string): string => BACKUP_TONE[status] ?? '';

const VERIFY_TONE: Record<string, string> = { passed: 'ok', pending: 'info pulse', failed: 'bad' };
export const verifyTone = (verify: string | null): string => (verify ? (VERIFY_TONE[verify] ?? '') : '');

/** A backup that failed, or whose restore check failed: marked red wherever it is shown. */
export const backupIsBad = (b: Pick<BackupView, 'status' | 'verify'>): boolean => b.status === 'failed' || b.verify === 'failed';

/** The session cookie is sent with a plain GET (SameSite=Lax, same origin), so a link downloads the file. */
export const backupDownloadHref = (api: string, b: Pick<BackupView, 'addon' | 'id'>): string =>
  `${api}/addons/${encodeURIComponent(b.addon)}/backups/${encodeURIComponent(b.id)}/download`;
