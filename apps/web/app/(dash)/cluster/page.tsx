'use client';
import { useState } from 'react';
import type { HostView } from '@gantry/api-client';
import { PlacementExplain } from '../../_components/placement';
import { Badge, ErrorBox, Loading, useUser } from '../../_components/session';
import { bytes, ago, percent } from '../../_lib/format';
import { usePoll } from '../../_lib/hooks';

type HostDetail = HostView & { instances: { app: string; process: string; state: string; desired: string }[] };

/** Admins: every host with capacity, allocation, usage and its instances; draining and down hosts stand out. */
export default function ClusterPage() {
  const user = useUser();
  const hosts = usePoll<HostView[]>(user?.isAdmin ? '/hosts' : null, 3000);
  if (!user) return <Loading rows={4} />;
  if (!user.isAdmin) return <div className="alert info">The cluster view is for Gantry admins.</div>;
  return (
    <div className="stack">
      <div className="page-head">
        <h1>Cluster</h1>
        {hosts.data ? (
          <span className="muted">
            {hosts.data.filter((h) => h.status === 'up').length}/{hosts.data.length} hosts up · {hosts.data.reduce((n, h) => n + h.allocated.instances, 0)} instances
          </span>
        ) : null}
      </div>
      <ErrorBox error={hosts.error} />
      {hosts.loading && !hosts.data ? <Loading rows={4} /> : null}
      <div className="grid">
        {(hosts.data ?? []).map((h) => (
          <HostCard key={h.id} host={h} />
        ))}
      </div>
    </div>
  );
}

function Meter({ used, total }: { used: number; total: number }) {
  const f = total > 0 ? Math.min(1, used / total) : 0;
  return (
    <div className={`meter ${f > 0.9 ? 'bad' : f > 0.75 ? 'warn' : ''}`}>
      <span style={{ width: `${(f * 100).toFixed(1)}%` }} />
    </div>
  );
}

function HostCard({ host: h }: { host: HostView }) {
  const detail = usePoll<HostDetail>(`/hosts/${encodeURIComponent(h.name)}`, 5000);
  const running = (detail.data?.instances ?? []).filter((i) => i.desired === 'run');
  // The instance whose placement is explained under the list ("app/web.1").
  const [explaining, setExplaining] = useState<string | null>(null);
  const shown = running.find((i) => `${i.app}/${i.process}` === explaining);
  return (
    <section className={`card stack host ${h.status === 'down' ? 'down' : ''} ${h.draining ? 'draining' : ''}`} data-host={h.name}>
      <div className="spread">
        <h2 style={{ margin: 0 }}>{h.name}</h2>
        <div className="row">
          <Badge state={h.status} />
          {h.draining ? <Badge state="draining" /> : null}
        </div>
      </div>
      <div className="muted mono" style={{ fontSize: 12 }}>
        {h.address} · {h.cpus} CPU · {bytes(h.memoryBytes)} · seen {ago(h.lastSeen)}
      </div>
      {h.dockerError ? <div className="alert bad">Docker: {h.dockerError}</div> : null}
      <div className="stack" style={{ fontSize: 13 }}>
        <div>
          <div className="spread">
            <span>Memory allocated</span>
            <span className="muted">
              {bytes(h.allocated.memoryBytes)} / {bytes(h.memoryBytes)}
            </span>
          </div>
          <Meter used={h.allocated.memoryBytes} total={h.memoryBytes} />
        </div>
        <div>
          <div className="spread">
            <span>Memory used</span>
            <span className="muted">{h.usage ? bytes(h.usage.memoryBytes) : '–'}</span>
          </div>
          <Meter used={h.usage?.memoryBytes ?? 0} total={h.memoryBytes} />
        </div>
        <div>
          <div className="spread">
            <span>CPU used</span>
            <span className="muted">{h.usage ? percent(h.usage.cpuPercent) : '–'}</span>
          </div>
          <Meter used={h.usage?.cpuPercent ?? 0} total={100 * h.cpus} />
        </div>
      </div>
      <div>
        <h3>
          Instances <span className="muted">({h.allocated.instances})</span>
        </h3>
        {running.length === 0 ? (
          <p className="muted" style={{ margin: 0 }}>
            None.
          </p>
        ) : (
          <div className="stack">
            <div className="row">
              {running.map((i) => {
                const id = `${i.app}/${i.process}`;
                return (
                  <button
                    key={id}
                    type="button"
                    className={`badge ${i.state === 'healthy' ? 'ok' : i.state === 'crashed' ? 'bad' : 'info'}`}
                    title={`${i.state}: click to explain its placement`}
                    aria-expanded={explaining === id}
                    data-instance={id}
                    onClick={() => setExplaining(explaining === id ? null : id)}
                  >
                    {id}
                  </button>
                );
              })}
            </div>
            {shown ? (
              <div className="card explain-card">
                <h3>
                  Why {shown.app}/{shown.process} is here
                </h3>
                <PlacementExplain app={shown.app} process={shown.process} compact />
              </div>
            ) : null}
          </div>
        )}
      </div>
    </section>
  );
}
