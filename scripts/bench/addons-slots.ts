/**
 * The move and failover slots of bench:addons. Their figures (write pause, lost acknowledged
 * writes under a writer loop, on a lab of two hosts) need `addons:move` and `addons:create --ha`;
 * which of them exist is read from the API's own route list, so the slot says why it is empty.
 * Measuring them is to be wired in once those land: a writer loop like test/e2e/addons.test.ts's
 * Writer, on a lab of two hosts (network-cluster.ts shows how a bench makes them).
 */
import { apiRouter } from '../../apps/web/src/api/index';
import type { Slot } from './addons-figures';

export const MOVE_ROUTE = { method: 'POST', pattern: '/addons/:name/move' } as const;
const NOT_HERE = 'addons:move / --ha not on this branch';

/** The slots' reasons from a route list. Pure. */
export function slotsFor(routes: { method: string; pattern: string }[]): { move: Slot; failover: Slot } {
  const hasMove = routes.some((r) => r.method === MOVE_ROUTE.method && r.pattern === MOVE_ROUTE.pattern);
  return {
    move: {
      notMeasured: hasMove
        ? `${MOVE_ROUTE.method} ${MOVE_ROUTE.pattern} exists, but this bench has no move measurement yet (a writer loop on a lab of two hosts: to be wired in)`
        : NOT_HERE,
    },
    // --ha is an option of POST /apps/:app/addons, not a route of its own: nothing to detect yet.
    failover: { notMeasured: NOT_HERE },
  };
}

export const slots = () => slotsFor(apiRouter().list());
