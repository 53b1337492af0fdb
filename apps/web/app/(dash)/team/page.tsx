'use client';
import { useEffect, useState, type ReactNode } from 'react';
import type { AuditEventView, MemberView, TeamView, TokenView } from '@gantry/api-client';
import { Badge, ErrorBox, Loading } from '../../_components/session';
import { api, type ApiError } from '../../_lib/api';
import { ago } from '../../_lib/format';
import { useAction, usePoll, type Polled } from '../../_lib/hooks';

/** A server without these routes (older Gantry) answers 404 "Route ..."; say so instead of failing. */
function missing(p: Polled<unknown>): boolean {
  return (p.error as ApiError | undefined)?.status === 404;
}

/** Teams, their members and audit log, and the user's own API tokens. */
export default function TeamPage() {
  const teams = usePoll<TeamView[]>('/teams', 10_000);
  const tokens = usePoll<TokenView[]>('/tokens', 10_000);
  const [team, setTeam] = useState<string | null>(null);
  useEffect(() => {
    if (!team && teams.data?.length) setTeam(teams.data[0]!.name);
  }, [team, teams.data]);
  const current = teams.data?.find((t) => t.name === team);
  return (
    <div className="stack">
      <div className="page-head">
        <h1>Team settings</h1>
        {teams.data && teams.data.length > 1 ? (
          <select aria-label="team" value={team ?? ''} onChange={(e) => setTeam(e.target.value)}>
            {teams.data.map((t) => (
              <option key={t.id} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        ) : null}
      </div>
      <Panel title="Teams" list={teams} empty="No teams.">
        <table>
          <thead>
            <tr>
              <th>Team</th>
              <th>Your role</th>
              <th className="num">Members</th>
              <th className="num">Apps</th>
            </tr>
          </thead>
          <tbody>
            {(teams.data ?? []).map((t) => (
              <tr key={t.id} onClick={() => setTeam(t.name)} style={{ cursor: 'pointer', background: t.name === team ? 'var(--hover)' : undefined }}>
                <td>
                  <b>{t.name}</b> {t.personal ? <span className="muted">(personal)</span> : null}
                </td>
                <td>
                  <Badge state={t.role} />
                </td>
                <td className="num">{t.members}</td>
                <td className="num">{t.apps}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      {team ? <TeamDetail team={team} role={current?.role} /> : null}
      <Tokens tokens={tokens} />
    </div>
  );
}

function TeamDetail({ team, role }: { team: string; role: string | undefined }) {
  const t = encodeURIComponent(team);
  const members = usePoll<MemberView[]>(`/teams/${t}/members`, 10_000);
  const isAdmin = role === 'owner' || role === 'admin';
  const audit = usePoll<AuditEventView[]>(isAdmin ? `/teams/${t}/audit` : null, 10_000);
  return (
    <>
      <Panel title={`Members of ${team}`} list={members} empty="No members.">
        <table>
          <tbody>
            {(members.data ?? []).map((m) => (
              <tr key={m.email}>
                <td>
                  {m.email} {m.name ? <span className="muted">({m.name})</span> : null}
                </td>
                <td>
                  <Badge state={m.role} />
                </td>
                <td className="muted">since {m.since.slice(0, 10)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      {isAdmin ? (
        <Panel title="Audit log" list={audit} empty="Nothing recorded yet.">
          <table>
            <tbody>
              {(audit.data ?? []).map((e) => (
                <tr key={e.id}>
                  <td className="muted" style={{ whiteSpace: 'nowrap' }}>
                    {ago(e.time)}
                  </td>
                  <td>{e.actor ?? 'system'}</td>
                  <td className="mono">{e.action}</td>
                  <td className="mono">{e.app ?? e.target}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      ) : null}
    </>
  );
}

function Tokens({ tokens }: { tokens: Polled<TokenView[]> }) {
  const action = useAction();
  const revoke = (id: string) =>
    void action.run(async () => {
      await api(`/tokens/${id}`, { method: 'DELETE' });
      await tokens.reload();
    });
  return (
    <Panel title="Your API tokens" list={tokens} empty="No tokens.">
      <ErrorBox error={action.error} />
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
            <tr key={t.id}>
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
  );
}

function Panel({ title, list, empty, children }: { title: string; list: Polled<unknown[]>; empty: string; children: ReactNode }) {
  return (
    <section className="card flush">
      <h2>{title}</h2>
      {missing(list) ? (
        <div className="empty">Not available on this Gantry server yet.</div>
      ) : list.error ? (
        <div style={{ padding: '0 20px 16px' }}>
          <ErrorBox error={list.error} />
        </div>
      ) : list.loading && !list.data ? (
        <div style={{ padding: 16 }}>
          <Loading />
        </div>
      ) : list.data?.length === 0 ? (
        <div className="empty">{empty}</div>
      ) : (
        <div className="table-wrap">{children}</div>
      )}
    </section>
  );
}
