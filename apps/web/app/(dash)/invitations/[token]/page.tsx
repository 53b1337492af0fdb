'use client';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useState } from 'react';
import type { RoleName } from '@gantry/api-client';
import { Badge, ErrorBox, useUser } from '../../../_components/session';
import { api } from '../../../_lib/api';
import { useAction } from '../../../_lib/hooks';

/**
 * An invitation link (/invitations/<token>, from POST /teams/:team/invitations). The Shell has
 * already sent a visitor without a session to /login and back here. The API has no GET for an
 * invitation (only its hash is stored), so the team and role are known once it is accepted.
 */
export default function InvitationPage() {
  const token = String(useParams<{ token: string }>().token);
  const user = useUser();
  const action = useAction();
  const [joined, setJoined] = useState<{ team: string; role: RoleName }>();
  const accept = () =>
    void action.run(async () => setJoined(await api<{ team: string; role: RoleName }>(`/invitations/${encodeURIComponent(token)}/accept`, { method: 'POST' })));
  return (
    <div className="stack" style={{ maxWidth: 560 }}>
      <h1>Team invitation</h1>
      <section className="card stack" data-testid="invitation">
        {joined ? (
          <>
            <p data-testid="invitation-result">
              You joined <b>{joined.team}</b> as <Badge state={joined.role} />.
            </p>
            <div className="row">
              <Link className="button primary" href="/apps">
                See the team’s apps
              </Link>
              <Link className="button" href="/team">
                Team settings
              </Link>
            </div>
          </>
        ) : (
          <>
            <p>
              Someone invited you to join their team on this Gantry. Accepting adds {user ? <b>{user.email}</b> : 'you'} to the team with the role
              the invitation names; an invitation for another email address is refused.
            </p>
            <ErrorBox error={action.error} />
            <div>
              <button className="primary" disabled={action.busy || !user} onClick={accept}>
                {action.busy ? 'Accepting…' : 'Accept invitation'}
              </button>
            </div>
          </>
        )}
      </section>
    </div>
  );
}
