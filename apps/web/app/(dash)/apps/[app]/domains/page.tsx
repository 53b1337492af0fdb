'use client';
import type { FormEvent, ReactNode } from 'react';
import type { CertView, DomainView, DrainView } from '@gantry/api-client';
import { ErrorBox, Loading } from '../../../../_components/session';
import { api, appPath } from '../../../../_lib/api';
import { ago } from '../../../../_lib/format';
import { useAction, usePoll, type Polled } from '../../../../_lib/hooks';
import { useApp } from '../app-context';

/** Custom domains, TLS certificates and log drains: list, add, remove. */
export default function DomainsPage() {
  const { name, canWrite } = useApp();
  const domains = usePoll<DomainView[]>(appPath(name, '/domains'), 5000);
  const certs = usePoll<CertView[]>(appPath(name, '/certs'), 5000);
  const drains = usePoll<DrainView[]>(appPath(name, '/drains'), 5000);
  const action = useAction();
  const write = (method: string, path: string, body: unknown, list: Polled<unknown>) =>
    action.run(async () => {
      await api(appPath(name, path), { method, ...(body === undefined ? {} : { body }) });
      await list.reload();
    });
  const submit = (e: FormEvent<HTMLFormElement>, fn: (d: FormData) => Promise<boolean>) => {
    e.preventDefault();
    const form = e.currentTarget;
    void fn(new FormData(form)).then((ok) => ok && form.reset());
  };
  return (
    <div className="stack">
      <ErrorBox error={action.error} />
      <Section title="Domains" list={domains} empty="No domains.">
        {(domains.data ?? []).map((d) => (
          <tr key={d.hostname}>
            <td className="mono">{d.hostname}</td>
            <td className="muted">{d.kind}</td>
            <td className="num">
              {d.kind === 'custom' ? (
                <button className="small danger" disabled={!canWrite || action.busy} onClick={() => void write('DELETE', `/domains/${encodeURIComponent(d.hostname)}`, undefined, domains)}>
                  Remove
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </Section>
      <form className="card field-row" onSubmit={(e) => submit(e, (f) => write('POST', '/domains', { hostname: f.get('hostname') }, domains))}>
        <label className="grow">
          Add a domain
          <input name="hostname" placeholder="www.example.com" required disabled={!canWrite} />
        </label>
        <button className="primary" disabled={!canWrite || action.busy}>
          Add domain
        </button>
      </form>

      <Section title="Certificates" list={certs} empty="No certificates: custom domains are served over HTTP only.">
        {(certs.data ?? []).map((c) => (
          <tr key={c.id}>
            <td className="mono">{c.hostnames.join(', ')}</td>
            <td className={Date.parse(c.notAfter) < Date.now() + 14 * 86400_000 ? 'warn' : 'muted'}>expires {c.notAfter.slice(0, 10)}</td>
            <td className="num">
              <button className="small danger" disabled={!canWrite || action.busy} onClick={() => void write('DELETE', `/certs/${c.id}`, undefined, certs)}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </Section>
      <form className="card stack" onSubmit={(e) => submit(e, (f) => write('POST', '/certs', { cert: f.get('cert'), key: f.get('key') }, certs))}>
        <h2>Add a certificate</h2>
        <div className="grid">
          <label>
            Certificate (PEM, chain allowed)
            <textarea name="cert" rows={4} required disabled={!canWrite} />
          </label>
          <label>
            Private key (PEM)
            <textarea name="key" rows={4} required disabled={!canWrite} />
          </label>
        </div>
        <div>
          <button className="primary" disabled={!canWrite || action.busy}>
            Add certificate
          </button>
        </div>
      </form>

      <Section title="Log drains" list={drains} empty="No drains.">
        {(drains.data ?? []).map((d) => (
          <tr key={d.id}>
            <td className="mono" style={{ wordBreak: 'break-all' }}>
              {d.url}
            </td>
            <td className="muted">
              {d.stats ? `${d.stats.delivered} sent, ${d.stats.dropped} dropped${d.stats.error ? ` · ${d.stats.error}` : ''}` : `added ${ago(d.createdAt)}`}
            </td>
            <td className="num">
              <button className="small danger" disabled={!canWrite || action.busy} onClick={() => void write('DELETE', `/drains/${d.id}`, undefined, drains)}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </Section>
      <form className="card field-row" onSubmit={(e) => submit(e, (f) => write('POST', '/drains', { url: f.get('url') }, drains))}>
        <label className="grow">
          Add a drain
          <input name="url" placeholder="syslog+tls://logs.example.com:6514 or https://…" required disabled={!canWrite} />
        </label>
        <button className="primary" disabled={!canWrite || action.busy}>
          Add drain
        </button>
      </form>
    </div>
  );
}

function Section({ title, list, empty, children }: { title: string; list: Polled<unknown[]>; empty: string; children: ReactNode }) {
  return (
    <section className="card flush">
      <h2>{title}</h2>
      <div style={{ padding: '0 20px' }}>
        <ErrorBox error={list.error} />
      </div>
      {list.loading && !list.data ? (
        <div style={{ padding: 16 }}>
          <Loading />
        </div>
      ) : list.data?.length === 0 ? (
        <div className="empty">{empty}</div>
      ) : (
        <div className="table-wrap">
          <table>
            <tbody>{children}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}
