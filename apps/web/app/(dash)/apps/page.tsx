'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import type { AppView } from '@gantry/api-client';
import { Badge, ErrorBox, Loading } from '../../_components/session';
import { api } from '../../_lib/api';
import { ago } from '../../_lib/format';
import { useAction, usePoll } from '../../_lib/hooks';
import type { AppSummary } from '../../_lib/types';

/** Every app the user can see: state, instances, last deploy, URL; and a form to create one. */
export default function AppsPage() {
  const apps = usePoll<AppSummary[]>('/dashboard/apps', 3000);
  const [creating, setCreating] = useState(false);
  return (
    <div className="stack">
      <div className="page-head">
        <h1>Apps</h1>
        <button className="primary" onClick={() => setCreating((c) => !c)}>
          New app
        </button>
      </div>
      {creating ? <CreateApp /> : null}
      <ErrorBox error={apps.error} />
      <section className="card flush">
        {apps.loading && !apps.data ? (
          <div style={{ padding: 16 }}>
            <Loading rows={5} />
          </div>
        ) : apps.data && apps.data.length === 0 ? (
          <div className="empty">No apps yet. Create one, then git push to it.</div>
        ) : (
          <div className="table-wrap">
            <table data-testid="apps-table">
              <thead>
                <tr>
                  <th>App</th>
                  <th>State</th>
                  <th className="num hide-sm">Instances</th>
                  <th className="hide-sm">Release</th>
                  <th>Last deploy</th>
                  <th className="hide-sm">URL</th>
                </tr>
              </thead>
              <tbody>
                {(apps.data ?? []).map((a) => (
                  <tr key={a.id} data-app={a.name}>
                    <td>
                      <Link href={`/apps/${a.name}`}>
                        <b>{a.name}</b>
                      </Link>{' '}
                      {!a.canWrite ? (
                        <span className="badge" data-testid="read-only">
                          read-only ({a.role})
                        </span>
                      ) : null}
                    </td>
                    <td>
                      <Badge state={a.state} />
                    </td>
                    <td className="num hide-sm">
                      {a.instances.up}/{a.instances.total}
                    </td>
                    <td className="hide-sm">{a.currentRelease ? `v${a.currentRelease}` : <span className="muted">none</span>}</td>
                    <td>{a.lastDeploy ? ago(a.lastDeploy) : <span className="muted">never</span>}</td>
                    <td className="hide-sm">
                      <a href={a.url} target="_blank" rel="noreferrer">
                        {a.url.replace(/^https?:\/\//, '')}
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function CreateApp() {
  const router = useRouter();
  const action = useAction();
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget).get('name') ?? '').trim();
    let created: AppView | undefined;
    if (await action.run(async () => (created = await api<AppView>('/apps', { method: 'POST', body: name ? { name } : {} })))) {
      router.push(`/apps/${created!.name}`);
    }
  };
  return (
    <form className="card stack" onSubmit={(e) => void submit(e)}>
      <h2>Create an app</h2>
      <div className="field-row">
        <label className="grow">
          Name (optional)
          <input name="name" placeholder="my-app" pattern="[a-z][a-z0-9-]*" />
        </label>
        <button className="primary" type="submit" disabled={action.busy}>
          Create app
        </button>
      </div>
      <ErrorBox error={action.error} />
    </form>
  );
}
