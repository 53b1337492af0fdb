'use client';
import { Fragment, useEffect, useState } from 'react';
import type { FormationView, InstanceView, RestartView } from '@gantry/api-client';
import { PlacementExplain } from '../../../_components/placement';
import { Badge, ErrorBox, Loading } from '../../../_components/session';
import { api, appPath } from '../../../_lib/api';
import { ago, bytes, duration, percent } from '../../../_lib/format';
import { useAction, usePoll } from '../../../_lib/hooks';
import { useApp } from './app-context';

/** The instance sizes of @gantry/core's SIZES (names and memory), for the size picker. */
const SIZES = [
  ['basic', '256 MB'],
  ['standard-1x', '512 MB'],
  ['standard-2x', '1 GB'],
  ['performance-m', '2.5 GB'],
] as const;

/** Current release, formation with scale controls, and every instance with its usage. */
export default function OverviewPage() {
  const { name, info, canWrite } = useApp();
  const ps = usePoll<InstanceView[]>(appPath(name, '/ps'), 2000);
  const action = useAction();
  const [explaining, setExplaining] = useState<string | null>(null);
  const rel = info.data?.release;
  const restart = (target?: string) =>
    void action.run(async () => {
      await api<RestartView>(appPath(name, '/ps/restart'), { method: 'POST', body: target ? { target } : {} });
      await ps.reload();
    });
  return (
    <div className="stack">
      <ErrorBox error={info.error} />
      <section className="stats">
        <div className="card stat">
          <span className="muted">Current release</span>
          <b data-testid="current-release">{rel ? `v${rel.version}` : '–'}</b>
          <span className="muted">{rel ? `${rel.description} · ${ago(rel.deployedAt ?? rel.createdAt)}` : 'nothing deployed yet'}</span>
        </div>
        <div className="card stat">
          <span className="muted">Latest build</span>
          <b>{info.data?.latestBuild ? `#${info.data.latestBuild.number}` : '–'}</b>
          <span>{info.data?.latestBuild ? <Badge state={info.data.latestBuild.status} /> : <span className="muted">git push to build</span>}</span>
        </div>
        <div className="card stat">
          <span className="muted">Instances up</span>
          <b>
            {ps.data ? ps.data.filter((i) => i.state === 'up').length : '–'}/{ps.data?.length ?? '–'}
          </b>
          <span className="muted">{info.data?.formation.map((f) => `${f.type}=${f.quantity}${f.sleepingSince ? ' (sleeping)' : ''}`).join(' ') || 'no process types'}</span>
        </div>
      </section>

      <section className="card">
        <div className="spread">
          <h2>Formation</h2>
        </div>
        {info.loading && !info.data ? <Loading /> : null}
        {info.data && info.data.formation.length === 0 ? <p className="muted">No process types until the first release.</p> : null}
        <div className="stack">
          {info.data?.formation.map((f) => <ScaleRow key={f.type} app={name} f={f} canWrite={canWrite} onDone={() => void Promise.all([info.reload(), ps.reload()])} />)}
        </div>
        {info.data?.privateNames.length ? (
          <p className="muted" data-testid="private-names">
            Private names (from the team&apos;s apps, port {info.data.privatePort}):{' '}
            {info.data.privateNames.map((n, k) => (
              <Fragment key={n.name}>
                {k ? ', ' : ''}
                <span className="mono">{n.name}</span>
              </Fragment>
            ))}
          </p>
        ) : null}
      </section>

      <section className="card flush">
        <div className="spread" style={{ padding: '14px 20px 8px' }}>
          <h2 style={{ margin: 0 }}>Instances</h2>
          <button onClick={() => restart()} disabled={!canWrite || action.busy || !ps.data?.length} data-testid="restart-all">
            Restart all
          </button>
        </div>
        <div style={{ padding: '0 20px' }}>
          <ErrorBox error={action.error ?? ps.error} />
        </div>
        {ps.loading && !ps.data ? (
          <div style={{ padding: 16 }}>
            <Loading />
          </div>
        ) : ps.data && ps.data.length === 0 ? (
          <div className="empty">No instances.</div>
        ) : (
          <div className="table-wrap">
            <table data-testid="instances">
              <thead>
                <tr>
                  <th>Process</th>
                  <th>State</th>
                  <th>Host</th>
                  <th className="hide-sm">Private address</th>
                  <th className="num">CPU</th>
                  <th className="num">Memory</th>
                  <th className="num hide-sm">Uptime</th>
                  <th className="num hide-sm">Release</th>
                  <th className="num hide-sm">Restarts</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {(ps.data ?? []).map((i) => (
                  <Fragment key={i.id || i.process}>
                    <tr data-process={i.process} data-state={i.state} title={i.message ?? undefined}>
                      <td className="mono">{i.process}</td>
                      <td>
                        <Badge state={i.state} />
                      </td>
                      <td>{i.host ?? <span className="muted">–</span>}</td>
                      <td className="mono hide-sm">{i.privateIp ?? <span className="muted">–</span>}</td>
                      <td className="num">{percent(i.cpuPercent)}</td>
                      <td className="num">
                        {i.memUsed !== undefined ? (
                          <>
                            {bytes(i.memUsed)} <span className="muted hide-sm">/ {bytes(i.memLimit)}</span>
                          </>
                        ) : (
                          '–'
                        )}
                      </td>
                      <td className="num hide-sm">{duration(i.uptime)}</td>
                      <td className="num hide-sm">{i.release ? `v${i.release}` : '–'}</td>
                      <td className="num hide-sm">{i.restarts}</td>
                      <td className="num" style={{ whiteSpace: 'nowrap' }}>
                        <button className="small" aria-expanded={explaining === i.process} onClick={() => setExplaining(explaining === i.process ? null : i.process)}>
                          Explain
                        </button>{' '}
                        <button className="small" onClick={() => restart(i.process)} disabled={!canWrite || action.busy || !i.id}>
                          Restart
                        </button>
                      </td>
                    </tr>
                    {(i.sidecars ?? []).map((sc) => (
                      <tr key={sc.process} data-process={sc.process} data-state={sc.state} title={sc.message ?? undefined}>
                        <td className="mono muted">{sc.process}</td>
                        <td>{sc.state}</td>
                        <td colSpan={5} />
                        <td className="num hide-sm">{sc.restarts}</td>
                        <td />
                      </tr>
                    ))}
                    {explaining === i.process ? (
                      <tr className="expanded">
                        <td colSpan={10}>
                          <PlacementExplain app={name} process={i.process} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

/** ps:sleep: whether the type sleeps now (a request wakes it), or after how long without one. */
function SleepState({ f }: { f: FormationView }) {
  if (f.sleepAfter === null) return null;
  if (f.sleepingSince !== null) {
    return (
      <span className="badge" data-testid={`sleep-${f.type}`} title={`Asleep since ${new Date(f.sleepingSince).toLocaleString()}: no instance runs; the next request wakes ${f.quantity}.`}>
        sleeping since {new Date(f.sleepingSince).toLocaleTimeString()}
      </span>
    );
  }
  return (
    <span className="badge ok" data-testid={`sleep-${f.type}`}>
      awake · sleeps after {sleepAfterText(f.sleepAfter)} idle
    </span>
  );
}

function sleepAfterText(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/** One process type: quantity and size; every change is sent at once (PATCH /formation). */
function ScaleRow({ app, f, canWrite, onDone }: { app: string; f: FormationView; canWrite: boolean; onDone: () => void }) {
  const [qty, setQty] = useState(f.quantity);
  const action = useAction();
  useEffect(() => setQty(f.quantity), [f.quantity]);
  const patch = (change: { quantity?: number; size?: string }) =>
    void action.run(async () => {
      await api(appPath(app, '/formation'), { method: 'PATCH', body: { [f.type]: change } });
      onDone();
    });
  return (
    <div className="field-row" data-type={f.type}>
      <div className="grow" style={{ minWidth: 160 }}>
        <b className="mono">{f.type}</b>
        <div className="muted mono" style={{ fontSize: 12 }}>
          {f.command ?? ''}
        </div>
        <SleepState f={f} />
      </div>
      <div className="row">
        <button className="small" aria-label={`fewer ${f.type}`} disabled={!canWrite || action.busy || f.quantity <= 0} onClick={() => patch({ quantity: f.quantity - 1 })}>
          −
        </button>
        <input
          type="number"
          min={0}
          max={100}
          aria-label={`${f.type} quantity`}
          value={qty}
          disabled={!canWrite}
          onChange={(e) => setQty(Number(e.target.value))}
          onKeyDown={(e) => e.key === 'Enter' && patch({ quantity: qty })}
        />
        <button className="small" aria-label={`more ${f.type}`} disabled={!canWrite || action.busy} onClick={() => patch({ quantity: f.quantity + 1 })}>
          +
        </button>
        <select aria-label={`${f.type} size`} value={f.size} disabled={!canWrite || action.busy} onChange={(e) => patch({ size: e.target.value })}>
          {SIZES.map(([s, mem]) => (
            <option key={s} value={s}>
              {s} ({mem})
            </option>
          ))}
        </select>
        <button className="primary small" disabled={!canWrite || action.busy || qty === f.quantity} onClick={() => patch({ quantity: qty })}>
          Scale
        </button>
      </div>
      {action.error ? <div style={{ flexBasis: '100%' }}><ErrorBox error={action.error} /></div> : null}
    </div>
  );
}
