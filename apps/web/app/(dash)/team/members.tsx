'use client';
import { useState } from 'react';
import type { MemberView, RoleName } from '@gantry/api-client';
import { Badge, ErrorBox } from '../../_components/session';
import { api } from '../../_lib/api';
import { useAction, usePoll } from '../../_lib/hooks';
import { Panel, ROLES } from './panel';

/** A team's members; owners and admins change roles and remove members (after a confirm). */
export function Members({ team, canManage }: { team: string; canManage: boolean }) {
  const t = encodeURIComponent(team);
  const members = usePoll<MemberView[]>(`/teams/${t}/members`, 10_000);
  const action = useAction();
  const [removing, setRemoving] = useState<string>();
  const member = (email: string) => `/teams/${t}/members/${encodeURIComponent(email)}`;
  const setRole = (email: string, role: RoleName) =>
    void action.run(async () => {
      await api(member(email), { method: 'PATCH', body: { role } });
      await members.reload();
    });
  const remove = (email: string) =>
    void action.run(async () => {
      await api(member(email), { method: 'DELETE' });
      setRemoving(undefined);
      await members.reload();
    });
  return (
    <Panel title={`Members of ${team}`} list={members} empty="No members." extra={action.error ? <ErrorBox error={action.error} /> : null}>
      <table>
        <tbody>
          {(members.data ?? []).map((m) => (
            <tr key={m.email} data-member={m.email}>
              <td style={{ wordBreak: 'break-word' }}>
                {m.email} {m.name ? <span className="muted">({m.name})</span> : null}
              </td>
              <td>
                {canManage ? (
                  <select aria-label={`role of ${m.email}`} value={m.role} disabled={action.busy} onChange={(e) => setRole(m.email, e.target.value as RoleName)}>
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                ) : (
                  <Badge state={m.role} />
                )}
              </td>
              <td className="muted hide-sm">since {m.since.slice(0, 10)}</td>
              {canManage ? (
                <td className="num">
                  {removing === m.email ? (
                    <span className="row" style={{ justifyContent: 'flex-end' }}>
                      <span className="muted">Remove {m.email}?</span>
                      <button className="small danger" disabled={action.busy} onClick={() => remove(m.email)}>
                        Confirm removal
                      </button>
                      <button className="small" onClick={() => setRemoving(undefined)}>
                        Cancel
                      </button>
                    </span>
                  ) : (
                    <button className="small danger" disabled={action.busy} onClick={() => setRemoving(m.email)}>
                      Remove
                    </button>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
