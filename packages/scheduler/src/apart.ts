/**
 * Process types kept on different hosts (an HA add-on's two Postgres members and their etcd): each
 * type of the group mounts its own volume, so where it runs is where its volume is bound. Pure.
 *
 *   pg1 unbound                  -> pg1 placed anywhere; pg2 and etcd wait (quantity 0)
 *   pg1 bound to A               -> pg2: gantry.host!=A; etcd waits
 *   pg1 on A, pg2 on B           -> etcd: gantry.host!=A, gantry.host!=B
 *
 * Types are placed one after the other (the group's order), so two unbound types are never placed
 * in one pass onto the same host.
 */
import type { Constraint, ProcessSpec } from './types';

export const HOST_LABEL = 'gantry.host';

/**
 * The formation with the group's types kept apart: a type gets `gantry.host!=<host>` for the host
 * of every other type's bound volume, and waits while a type before it has none bound.
 * `hostName` turns a host id into the name its gantry.host label has.
 */
export function keepApart(formation: Record<string, ProcessSpec>, group: readonly string[], hostName: (hostId: string) => string | undefined): Record<string, ProcessSpec> {
  const out = { ...formation };
  const boundHost = (type: string) => formation[type]?.volumes?.find((v) => v.hostId)?.hostId ?? null;
  group.forEach((type, i) => {
    const spec = formation[type];
    if (!spec) return;
    const before = group.slice(0, i).find((t) => formation[t] && !boundHost(t));
    if (before && !boundHost(type)) {
      out[type] = { ...spec, quantity: 0 };
      return;
    }
    const apart: Constraint[] = group
      .filter((t) => t !== type)
      .map(boundHost)
      .filter((h): h is string => h !== null)
      .map((h) => ({ label: HOST_LABEL, op: '!=' as const, value: hostName(h) ?? h }));
    out[type] = { ...spec, constraints: [...spec.constraints, ...apart] };
  });
  return out;
}
