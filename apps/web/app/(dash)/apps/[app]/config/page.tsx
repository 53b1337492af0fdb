'use client';
import { useState, type FormEvent } from 'react';
import { ErrorBox, Loading } from '../../../../_components/session';
import { api, appPath } from '../../../../_lib/api';
import { useAction, usePoll } from '../../../../_lib/hooks';
import { useApp } from '../app-context';

type Vars = Record<string, string>;

/**
 * Config vars: values hidden until revealed; add, edit and remove (each change is a new release).
 * Viewers are not sent the values (they hold secrets), and the page says so.
 */
export default function ConfigPage() {
  const { name, canWrite, info, summary } = useApp();
  const role = summary.data?.role;
  const config = usePoll<Vars>(summary.data && canWrite ? appPath(name, '/config') : null, 5000);
  const action = useAction();
  const [revealed, setRevealed] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<string | null>(null);
  const save = (vars: Record<string, string | null>) =>
    action.run(async () => {
      await api(appPath(name, '/config'), { method: 'PATCH', body: { vars } });
      await Promise.all([config.reload(), info.reload()]);
    });
  const add = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const key = String(data.get('key') ?? '').trim();
    if (key && (await save({ [key]: String(data.get('value') ?? '') }))) form.reset();
  };
  const toggle = (k: string) => setRevealed((s) => (s.has(k) ? new Set([...s].filter((x) => x !== k)) : new Set([...s, k])));
  const entries = Object.entries(config.data ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (summary.data && !canWrite) {
    return (
      <section className="card stack" data-testid="config-hidden">
        <h2>Config vars</h2>
        <p className="muted">
          Config values hold secrets: as a {role ?? 'viewer'} of {name} you do not see them. A team owner or admin can make you a member.
        </p>
      </section>
    );
  }
  return (
    <div className="stack">
      <ErrorBox error={action.error ?? config.error} />
      <section className="card flush">
        <h2>Config vars</h2>
        {config.loading && !config.data ? (
          <div style={{ padding: 16 }}>
            <Loading />
          </div>
        ) : entries.length === 0 ? (
          <div className="empty">No config vars.</div>
        ) : (
          <div className="table-wrap">
            <table data-testid="config">
              <tbody>
                {entries.map(([k, v]) => (
                  <tr key={k} data-key={k}>
                    <td className="mono" style={{ width: '30%' }}>
                      <b>{k}</b>
                    </td>
                    <td className="mono" style={{ wordBreak: 'break-all' }}>
                      {editing === k ? (
                        <form
                          className="row"
                          onSubmit={(e) => {
                            e.preventDefault();
                            const value = String(new FormData(e.currentTarget).get('value') ?? '');
                            void save({ [k]: value }).then((ok) => ok && setEditing(null));
                          }}
                        >
                          <input name="value" defaultValue={v} className="grow" aria-label={`value of ${k}`} autoFocus />
                          <button className="primary small" type="submit" disabled={action.busy}>
                            Save
                          </button>
                          <button className="small" type="button" onClick={() => setEditing(null)}>
                            Cancel
                          </button>
                        </form>
                      ) : revealed.has(k) ? (
                        <span data-testid={`value-${k}`}>{v}</span>
                      ) : (
                        <span className="muted">••••••••</span>
                      )}
                    </td>
                    <td className="num" style={{ whiteSpace: 'nowrap' }}>
                      <button className="small" onClick={() => toggle(k)}>
                        {revealed.has(k) ? 'Hide' : 'Reveal'}
                      </button>{' '}
                      <button className="small" disabled={!canWrite} onClick={() => setEditing(k)}>
                        Edit
                      </button>{' '}
                      <button className="small danger" disabled={!canWrite || action.busy} onClick={() => void save({ [k]: null })}>
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <form className="card stack" onSubmit={(e) => void add(e)}>
        <h2>Add a config var</h2>
        <div className="field-row">
          <label>
            Key
            <input name="key" placeholder="DATABASE_URL" pattern="[A-Za-z_][A-Za-z0-9_]*" required disabled={!canWrite} />
          </label>
          <label className="grow">
            Value
            <input name="value" disabled={!canWrite} />
          </label>
          <button className="primary" type="submit" disabled={!canWrite || action.busy}>
            Set
          </button>
        </div>
        <p className="muted" style={{ margin: 0 }}>
          Each change makes a new release and restarts the app with the new environment.
        </p>
      </form>
    </div>
  );
}
