'use client';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useState } from 'react';
import type { InvitationOfferView, RoleName } from '@gantry/api-client';
import { Badge, ErrorBox, Loading, useUser } from '../../../_components/session';
import { api } from '../../../_lib/api';
import { useAction, usePoll } from '../../../_lib/hooks';

/**
 * An invitation link (/invitations/<token>, from POST /teams/:team/invitations). The Shell has
 * already sent a visitor without a session to /login and back here. The page reads what the link
 * offers (GET /invitations/:token: team, role, email, and why it cannot be accepted) and accepts
 * it with one click.
 */
export default function InvitationPage() {
  const token = String(useParams<{ token: string }>().token);
  const user = useUser();
  const action = useAction();
  const [joined, setJoined] = useState<{ team: string; role: RoleName }>();
  // Read once; not polled again after it is accepted (it is spent then).
  const offer = usePoll<InvitationOfferView>(joined ? null : `/invitations/${encodeURIComponent(token)}`, 60_000);
  const o = offer.data;
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
            {offer.error ? (
              <ErrorBox error={offer.error} />
            ) : !o ? (
              <Loading rows={2} />
            ) : (
              <>
                <p data-testid="invitation-offer">
                  You are invited to join <b>{o.team}</b> as <Badge state={o.role} />
                  {o.email ? (
                    <>
                      {' '}
                      (for <b>{o.email}</b>)
                    </>
                  ) : null}
                  . Accepting adds {user ? <b>{user.email}</b> : 'you'} to the team. The link works once, until{' '}
                  {new Date(o.expiresAt).toLocaleDateString()}.
                </p>
                {o.problem ? (
                  <p className="bad" data-testid="invitation-problem">
                    {o.problem}
                  </p>
                ) : null}
              </>
            )}
            <ErrorBox error={action.error} />
            <div>
              <button className="primary" disabled={action.busy || !user || !o?.canAccept} onClick={accept}>
                {action.busy ? 'Accepting…' : 'Accept invitation'}
              </button>
            </div>
          </>
        )}
      </section>
    </div>
  );
}
