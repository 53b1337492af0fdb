/**
 * Long-lived answers (log tails, followed build output) re-check their caller now and then: a
 * revoked token or a removal from the team ends them, as it refuses new requests at once.
 */
import type { IncomingMessage } from 'node:http';
import { roleAllows, type Need } from '@gantry/control';
import { actorFor } from './auth';
import type { ApiDeps } from './deps';

export const ACCESS_RECHECK_MS = 5000;

/** Returns a check to call in the answer's loop: false once the caller lost `need` on the team. */
export function accessRecheck(deps: ApiDeps, req: IncomingMessage, teamId: string, need: Need = 'read', everyMs = ACCESS_RECHECK_MS): () => Promise<boolean> {
  let checkedAt = Date.now();
  return async () => {
    if (Date.now() - checkedAt < everyMs) return true;
    checkedAt = Date.now();
    const who = await actorFor(deps, req).catch(() => null);
    if (!who) return false;
    const m = await deps.ctx.db.membership.findUnique({ where: { teamId_userId: { teamId, userId: who.userId } } });
    return roleAllows(m?.role, need);
  };
}
