'use client';
import { useState, type FormEvent } from 'react';
import type { InvitationView, NewInvitationView, RoleName } from '@gantry/api-client';
import { Badge, ErrorBox } from '../../_components/session';
import { api } from '../../_lib/api';
import { ago } from '../../_lib/format';
import { useAction, usePoll } from '../../_lib/hooks';
import { Panel, ROLES, Secret } from './panel';

/** Owners and admins: invite by email with a role (the one-time link is shown here), pending invitations with revoke. */
export function Invitations({ team }: { team: string }) {
  const t = encodeURIComponent(team);
  const pending = usePoll<InvitationView[]>(`/teams/${t}/invitations`, 10_000);
  const action = useAction();
  const [created, setCreated] = useState<NewInvitationView>();
  const invite = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const email = String(data.get('email') ?? '').trim();
    void action
      .run(async () => {
        setCreated(undefined);
        setCreated(await api<NewInvitationView>(`/teams/${t}/invitations`, { method: 'POST', body: { role: data.get('role') as RoleName, ...(email ? { email } : {}) } }));
        await pending.reload();
      })
      .then((ok) => ok && form.reset());
  };
  const revoke = (id: string) =>
    void action.run(async () => {
      await api(`/teams/${t}/invitations/${encodeURIComponent(id)}`, { method: 'DELETE' });
      await pending.reload();
    });
  // The link opens this dashboard's /invitations/<token> page, on the host the user is on.
  const link = created ? `${window.location.origin}${created.path}` : '';
  return (
    <>
      <form className="card stack" onSubmit={invite} aria-label="Invite a member">
        <h2>Invite a member</h2>
        <div className="field-row">
          <label className="grow">
            Email (optional: without one, anyone with the link may join)
            <input name="email" type="email" placeholder="someone@example.com" />
          </label>
          <label>
            Role
            <select name="role" defaultValue="member" aria-label="invitation role">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <button className="primary" disabled={action.busy}>
            Invite
          </button>
        </div>
        <ErrorBox error={action.error} />
        {created ? (
          <div className="alert info stack" data-testid="new-invitation">
            <div>
              Send this link to {created.email ?? 'the person you invite'} ({created.role}); it works once, until {created.expiresAt.slice(0, 10)}, and is
              not shown again.
            </div>
            <Secret label="Invitation link" value={link} testId="invitation-link" />
          </div>
        ) : null}
      </form>
      <Panel title="Pending invitations" list={pending} empty="No pending invitations.">
        <table>
          <tbody>
            {(pending.data ?? []).map((i) => (
              <tr key={i.id} data-invitation={i.email ?? 'link'}>
                <td>{i.email ?? <span className="muted">anyone with the link</span>}</td>
                <td>
                  <Badge state={i.role} />
                </td>
                <td className="muted hide-sm">
                  sent {ago(i.createdAt)} · expires {i.expiresAt.slice(0, 10)}
                </td>
                <td className="num">
                  <button className="small danger" disabled={action.busy} onClick={() => revoke(i.id)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
    </>
  );
}
