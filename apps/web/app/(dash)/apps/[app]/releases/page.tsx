'use client';
import { useState } from 'react';
import type { ReleaseView } from '@gantry/api-client';
import { ReleasePhaseOutput } from '../../../../_components/release-phase';
import { Badge, ErrorBox, Loading } from '../../../../_components/session';
import { api, appPath } from '../../../../_lib/api';
import { ago } from '../../../../_lib/format';
import { useAction, usePoll } from '../../../../_lib/hooks';
import { useApp } from '../app-context';

/** Every release, newest first, with one-click rollback to any earlier succeeded one; a click shows its release phase output. */
export default function ReleasesPage() {
  const { name, canWrite, info } = useApp();
  const releases = usePoll<ReleaseView[]>(appPath(name, '/releases'), 2500);
  const action = useAction();
  const [shown, setShown] = useState<number | null>(null);
  const rollback = (v: number) =>
    void action.run(async () => {
      await api(appPath(name, `/releases/${v}/rollback`), { method: 'POST', body: {} });
      await Promise.all([releases.reload(), info.reload()]);
    });
  return (
    <div className="stack">
      <ErrorBox error={action.error ?? releases.error} />
      <section className="card flush">
        {releases.loading && !releases.data ? (
          <div style={{ padding: 16 }}>
            <Loading />
          </div>
        ) : releases.data?.length === 0 ? (
          <div className="empty">No releases yet.</div>
        ) : (
          <div className="table-wrap">
            <table data-testid="releases">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Status</th>
                  <th>Description</th>
                  <th className="hide-sm">Commit</th>
                  <th className="hide-sm">By</th>
                  <th>When</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {(releases.data ?? []).map((r) => (
                  <tr key={r.version} data-version={r.version} data-current={r.current ? '1' : '0'} onClick={() => setShown(r.version)} style={{ cursor: 'pointer', background: r.version === shown ? 'var(--hover)' : undefined }}>
                    <td>
                      <b>v{r.version}</b> {r.current ? <Badge state="current" /> : null}
                    </td>
                    <td title={r.statusReason ?? undefined}>
                      <Badge state={r.status} />
                    </td>
                    <td>{r.description}</td>
                    <td className="mono hide-sm">{r.commit?.slice(0, 7) ?? '–'}</td>
                    <td className="hide-sm muted">{r.createdBy ?? '–'}</td>
                    <td>{ago(r.createdAt)}</td>
                    <td className="num">
                      {!r.current && r.status === 'succeeded' ? (
                        <button
                          className="small"
                          disabled={!canWrite || action.busy}
                          onClick={(e) => {
                            e.stopPropagation();
                            rollback(r.version);
                          }}
                        >
                          Roll back to v{r.version}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {shown !== null ? (
        <section className="card">
          <ReleasePhaseOutput key={shown} app={name} version={shown} />
        </section>
      ) : null}
    </div>
  );
}
