/**
 * The egress allow list of the Gantry under test. Collectors in tests listen on 127.0.0.1, which
 * Gantry refuses by default (core/egress): files that drain to them allow it first. Files run one
 * at a time (fileParallelism: false), and each sets what it needs at its start.
 */
import { newUser } from './gantry';

/** The drains service reads the allow list at most this often (DRAINS_POLICY_MAX_AGE_MS in apps/drains). */
const POLICY_MAX_AGE_MS = 2_000;

export async function setEgressAllow(value: string): Promise<void> {
  const admin = await newUser('egress-admin', { admin: true });
  await admin.client.setSetting('egress.allow', value);
  // Any policy the drains service loaded before the change is stale after this.
  await new Promise((r) => setTimeout(r, POLICY_MAX_AGE_MS + 500));
}

/** 127.0.0.1 alone: also the local host's own address, which a range would not open. */
export const allowLoopbackCollectors = () => setEgressAllow('127.0.0.1/32');
