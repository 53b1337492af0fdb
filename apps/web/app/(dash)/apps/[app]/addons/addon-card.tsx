'use client';
import type { AddonDetailsView, AddonView, BackupView } from '@gantry/api-client';
import { LineChart } from '../../../../_components/line-chart';
import { ErrorBox } from '../../../../_components/session';
import { addonTone, backupIsBad, backupTone } from '../../../../_lib/addons';
import { api } from '../../../../_lib/api';
import { ago, bytes } from '../../../../_lib/format';
import { useAction, usePoll } from '../../../../_lib/hooks';
import { BackupsTable } from './backups-table';
import { LiveFigures } from './live-figures';

const addonPath = (name: string, rest = '') => `/addons/${encodeURIComponent(name)}${rest}`;

/**
 * One add-on attached to the app: what it is and where it lives, its live figures (polled while
 * the tab is open), its backups and a button to capture one.
 */
export function AddonCard({ addon, app, canWrite }: { addon: AddonView; app: string; canWrite: boolean }) {
  const details = usePoll<AddonDetailsView>(addonPath(addon.name, '/details'), 5000);
  const backups = usePoll<BackupView[]>(addonPath(addon.name, '/backups'), 5000);
  const capture = useAction();
  const mine = addon.attachments.find((a) => a.app === app);
  const others = addon.attachments.filter((a) => a.app !== app);
  // The list is fresher than the add-on's own lastBackup right after a capture.
  const latest = backups.data?.[0] ?? addon.lastBackup;
  const captureBackup = () =>
    capture.run(async () => {
      try {
        await api(addonPath(addon.name, '/backups'), { method: 'POST' });
      } finally {
        await backups.reload(); // a failed capture is recorded too: show it
      }
    });
  const headingId = `addon-${addon.name}`;
  return (
    <section className="card stack" aria-labelledby={headingId} data-addon={addon.name} data-state={addon.state}>
      <div className="spread">
        <div className="row">
          <h2 id={headingId} className="mono">
            {addon.name}
          </h2>
          <span className="badge">{addon.kind}</span>
          <span className="muted">{addon.plan}</span>
          <span className={`badge ${addonTone(addon.state)}`} data-testid="addon-state">
            {addon.state}
          </span>
        </div>
        <LatestBackup backup={latest} />
      </div>

      <dl className="facts">
        <dt>Host</dt>
        <dd data-testid="addon-host">{addon.host ?? <span className="muted">not placed yet</span>}</dd>
        <dt>Private address</dt>
        <dd className="mono" data-testid="addon-address">
          {addon.privateName}:{addon.port}
        </dd>
        <dt>Volume</dt>
        <dd className="mono">{addon.volume}</dd>
        <dt>Config var</dt>
        <dd className="mono" data-testid="addon-config-var">
          {mine ? mine.configVar : <span className="muted">not attached</span>}
        </dd>
        <dt>Also attached to</dt>
        <dd data-testid="addon-others">{others.length ? others.map((a) => `${a.app} (${a.configVar})`).join(', ') : <span className="muted">no other app</span>}</dd>
        <dt>Backup schedule</dt>
        <dd>{addon.backupSchedule ? `daily at ${addon.backupSchedule.at} UTC, ${addon.backupSchedule.keep} kept` : <span className="muted">none</span>}</dd>
      </dl>

      {addon.ha ? <HaMembers ha={addon.ha} /> : null}

      <LiveFigures details={details} />

      <div className="spread">
        <h3>Backups</h3>
        <button className="primary small" onClick={() => void captureBackup()} disabled={!canWrite || capture.busy} aria-busy={capture.busy}>
          {capture.busy ? 'Capturing…' : 'Capture backup'}
        </button>
      </div>
      {capture.busy ? (
        <div className="alert info" role="status" data-testid="capture-progress">
          Capturing a backup of {addon.name}…
        </div>
      ) : null}
      {capture.error ? (
        <div className="alert bad" role="alert" data-testid="capture-error">
          {capture.error}
        </div>
      ) : null}
      <ErrorBox error={backups.error} />
      {backups.data ? <BackupsTable addon={addon.name} backups={backups.data} canDownload={canWrite} /> : null}
      <BackupSizes backups={backups.data ?? []} />
    </section>
  );
}

/** An HA add-on's members and etcd: which one leads, which confirms every commit, on which host. */
function HaMembers({ ha }: { ha: NonNullable<AddonView['ha']> }) {
  return (
    <div className="stack" data-testid="ha-members" data-leader={ha.leader ?? ''}>
      <h3>High availability</h3>
      <table>
        <thead>
          <tr>
            <th>Member</th>
            <th>Host</th>
            <th>Role</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {ha.members.map((m) => (
            <tr key={m.name} data-member={m.name} data-role={m.role}>
              <td className="mono">{m.name}</td>
              <td>{m.host ?? <span className="muted">not placed</span>}</td>
              <td>
                <span className={`badge ${m.role === 'primary' ? 'ok' : m.role === 'replica' || m.role === 'etcd' ? 'info' : 'bad'}`}>{m.role}</span>
                {m.sync ? ' synchronous standby' : ''}
              </td>
              <td className={m.state === 'running' || m.state === 'streaming' ? 'muted' : 'bad'}>
                {m.state}
                {m.lagBytes ? ` · ${bytes(m.lagBytes)} behind` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {ha.error ? (
        <div className="alert bad" role="alert">
          Its etcd did not answer: {ha.error}
        </div>
      ) : null}
    </div>
  );
}

/** The newest backup's status, visible without opening anything. */
function LatestBackup({ backup }: { backup: BackupView | null }) {
  if (!backup) return <span className="muted" data-testid="latest-backup">No backups yet</span>;
  const bad = backupIsBad(backup);
  return (
    <span className={bad ? 'bad' : 'muted'} data-testid="latest-backup" data-status={backup.status}>
      Latest backup {backup.id}: <span className={`badge ${backupTone(backup.status)}`}>{backup.status}</span> {ago(backup.createdAt)}
      {backup.verify === 'failed' ? ' · check failed' : ''}
    </span>
  );
}

/** Sizes of the succeeded backups over time, when there are a few to compare. */
function BackupSizes({ backups }: { backups: BackupView[] }) {
  const ok = backups.filter((b) => b.status === 'succeeded' && b.bytes !== null).reverse();
  if (ok.length < 2) return null;
  return <LineChart title="Backup size" series={[{ name: 'size', values: ok.map((b) => b.bytes) }]} times={ok.map((b) => b.createdAt)} format={(v) => bytes(v)} testId="backup-sizes" />;
}
