'use client';
import { useState, type FormEvent } from 'react';
import type { NewTokenView, TokenView } from '@gantry/api-client';
import { Badge, ErrorBox } from '../../_components/session';
import { api } from '../../_lib/api';
import { ago } from '../../_lib/format';
import { useAction, type Polled } from '../../_lib/hooks';
import { Panel, Secret } from './panel';

/** The user's API tokens: create one (its secret shown once), list, revoke. */
export function Tokens({ tokens }: { tokens: Polled<TokenView[]> }) {
  const action = useAction();
  const [created, setCreated] = useState<NewTokenView>();
  const revoke = (id: string) =>
    void action.run(async () => {
      await api(`/tokens/${id}`, { method: 'DELETE' });
      await tokens.reload();
    });
  const create = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const days = Number(data.get('days') || 0);
    void action
      .run(async () => {
        setCreated(undefined);
        setCreated(await api<NewTokenView>('/tokens', { method: 'POST', body: { name: String(data.get('name') ?? '').trim(), ...(days > 0 ? { expiresInDays: days } : {}) } }));
        await tokens.reload();
      })
      .then((ok) => ok && form.reset());
  };
  return (
    <>
      <form className="card stack" onSubmit={create} aria-label="Create an API token">
        <h2>Create an API token</h2>
        <div className="field-row">
          <label className="grow">
            Token name
            <input name="name" required maxLength={100} placeholder="ci-deploys" />
          </label>
          <label>
            Expires in days (optional)
            <input name="days" type="number" min={1} max={3650} style={{ width: 120 }} />
          </label>
          <button className="primary" disabled={action.busy}>
            Create token
          </button>
        </div>
        <ErrorBox error={action.error} />
        {created ? (
          <div className="alert info stack" data-testid="new-token">
            <div>
              The secret of <b>{created.name}</b>: copy it now, it is not shown again. Send it as <code>Authorization: Bearer …</code>.
            </div>
            <Secret label="Token secret" value={created.token} testId="token-secret" />
          </div>
        ) : null}
      </form>
      <Panel title="Your API tokens" list={tokens} empty="No tokens.">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th className="hide-sm">Created</th>
              <th>Last used</th>
              <th className="hide-sm">Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(tokens.data ?? []).map((t) => (
              <tr key={t.id} data-token={t.name}>
                <td style={{ wordBreak: 'break-word' }}>
                  {t.name} {t.current ? <Badge state="current" label="this session" /> : null}
                </td>
                <td className="hide-sm">{ago(t.createdAt)}</td>
                <td>{ago(t.lastUsedAt)}</td>
                <td className="hide-sm">{t.expiresAt ? t.expiresAt.slice(0, 10) : 'never'}</td>
                <td className="num">
                  {!t.current ? (
                    <button className="small danger" disabled={action.busy} onClick={() => revoke(t.id)}>
                      Revoke
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
    </>
  );
}
