'use client';
import type { BackupView } from '@gantry/api-client';
import { API } from '../../../../_lib/api';
import { backupDownloadHref, backupIsBad, backupTone, verifyTone } from '../../../../_lib/addons';
import { ago, bytes } from '../../../../_lib/format';

/** An add-on's backups, newest first: a failed one, or one whose restore check failed, in red with its reason. */
/**
 * `canDownload`: members and above. A dump holds every secret the database does, and viewers are
 * not shown config values either (the API still lets them download: reported to the lead).
 */
export function BackupsTable({ addon, backups, canDownload }: { addon: string; backups: BackupView[]; canDownload: boolean }) {
  if (backups.length === 0) return <div className="empty">No backups yet.</div>;
  return (
    <div className="table-wrap">
      <table aria-label={`Backups of ${addon}`}>
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Taken</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Verify</th>
            <th scope="col">Trigger</th>
            <th scope="col" className="num">
              <span className="sr-only">Download</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {backups.map((b) => (
            <tr key={b.id} data-backup={b.id} data-status={b.status} data-verify={b.verify ?? ''} className={backupIsBad(b) ? 'bad-row' : undefined}>
              <td className="mono">{b.id}</td>
              <td title={b.createdAt} className="nowrap">
                {ago(b.createdAt)}
              </td>
              <td>
                <span className={`badge ${backupTone(b.status)}`}>{b.status}</span>
                {b.error ? (
                  <div className="bad small-text" data-testid="backup-error">
                    {b.error}
                  </div>
                ) : null}
              </td>
              <td className="num nowrap">{bytes(b.bytes)}</td>
              <td>
                {b.verify ? <span className={`badge ${verifyTone(b.verify)}`}>{b.verify}</span> : <span className="muted nowrap">not verified</span>}
                {b.verifyDetail ? <div className={`${b.verify === 'failed' ? 'bad' : 'muted'} small-text`}>{b.verifyDetail}</div> : null}
              </td>
              <td className="muted">{b.trigger}</td>
              <td className="num">
                {b.status === 'succeeded' && canDownload ? (
                  <a href={backupDownloadHref(API, b)} download aria-label={`Download backup ${b.id} of ${addon}`} title={b.sha256 ? `sha256 ${b.sha256}` : undefined}>
                    Download
                  </a>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
