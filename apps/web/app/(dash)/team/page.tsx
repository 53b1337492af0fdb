'use client';
import { useEffect, useState, type FormEvent } from 'react';
import type { AuditEventView, TeamView, TokenView } from '@gantry/api-client';
import { Badge, ErrorBox } from '../../_components/session';
import { api } from '../../_lib/api';
import { ago } from '../../_lib/format';
import { useAction, usePoll, type Polled } from '../../_lib/hooks';
import { Invitations } from './invitations';
import { Members } from './members';
import { Panel } from './panel';
import { Tokens } from './tokens';

/** Teams (create one), the chosen team's members, invitations and audit log, and the user's own API tokens. */
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
      <Panel title="Teams" list={teams} empty="No teams." extra={<CreateTeam teams={teams} onCreated={setTeam} />}>
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
              <tr key={t.id} data-team={t.name} onClick={() => setTeam(t.name)} style={{ cursor: 'pointer', background: t.name === team ? 'var(--hover)' : undefined }}>
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
      {team ? <TeamDetail key={team} team={team} role={current?.role} /> : null}
      <Tokens tokens={tokens} />
    </div>
  );
}

function CreateTeam({ teams, onCreated }: { teams: Polled<TeamView[]>; onCreated: (name: string) => void }) {
  const action = useAction();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const name = String(new FormData(form).get('team') ?? '').trim();
    void action.run(async () => {
      const t = await api<TeamView>('/teams', { method: 'POST', body: { name } });
      await teams.reload();
      onCreated(t.name);
      form.reset();
    });
  };
  return (
    <form className="stack" onSubmit={submit}>
      <div className="field-row">
        <label className="grow">
          New team name
          <input name="team" required pattern="[a-z0-9][a-z0-9-]*[a-z0-9]" placeholder="acme" />
        </label>
        <button disabled={action.busy}>Create team</button>
      </div>
      <ErrorBox error={action.error} />
    </form>
  );
}

function TeamDetail({ team, role }: { team: string; role: string | undefined }) {
  const isAdmin = role === 'owner' || role === 'admin';
  const audit = usePoll<AuditEventView[]>(isAdmin ? `/teams/${encodeURIComponent(team)}/audit` : null, 10_000);
  return (
    <>
      <Members team={team} canManage={isAdmin} />
      {isAdmin ? <Invitations team={team} /> : null}
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
