/**
 * bench:network, part 2: how fast a private name (`web.<app>.internal`) follows a change, asked
 * from inside a client instance (its /resolve endpoint), as callers see it:
 *   - join: the server scaled from 1 to 2 instances; time from the second one being up in ps (and
 *     from the scale request) until the name answers both addresses;
 *   - leave: that instance `docker kill`ed on its host; time until the name no longer answers it.
 * The names come from each host's netd. Where the name does not resolve at all for the single
 * instance already up (no netd on this branch), the measurement is skipped, and says so: it never
 * reports a figure it did not measure.
 */
import type { GantryClient, InstanceView } from '@gantry/api-client';

export type DnsFigures =
  | { skipped: string }
  | { name: string; joinFromUpMs: number; joinFromScaleMs: number; leaveMs: number; probes: number; probeRttMs: number };

export interface DnsProbe {
  /** The client instance's answer for `name`: addresses comma-separated, or "ERR <code>". */
  resolve(name: string): Promise<string>;
  /** `docker kill` of the server's container at this private address (on whichever host it runs). */
  kill(instance: InstanceView): Promise<void>;
}

const POLL_MS = 50;
const JOIN_TIMEOUT_MS = 120_000;
const LEAVE_TIMEOUT_MS = 30_000;

/** The addresses of an answer, sorted; null for an error answer ("ERR ENOTFOUND"). */
export function parseAnswer(answer: string): string[] | null {
  const text = answer.trim();
  if (!text || text.startsWith('ERR')) return null;
  return text.split(',').map((a) => a.trim()).sort();
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const upIps = (list: InstanceView[]) => list.filter((i) => i.state === 'up' && i.privateIp).map((i) => i.privateIp!);

/** Polls `probe` every POLL_MS until `done(answer)`; returns when it held (epoch ms) and the probe count. */
async function pollUntil(probe: DnsProbe, name: string, done: (ips: string[] | null) => boolean, timeoutMs: number, what: string): Promise<{ at: number; probes: number; rtts: number[] }> {
  const deadline = Date.now() + timeoutMs;
  const rtts: number[] = [];
  let last = '';
  while (Date.now() < deadline) {
    const t0 = Date.now();
    last = await probe.resolve(name).catch((err: Error) => `ERR probe failed: ${err.message}`);
    rtts.push(Date.now() - t0);
    if (done(parseAnswer(last))) return { at: Date.now(), probes: rtts.length, rtts };
    await sleep(POLL_MS);
  }
  throw new Error(`DNS: timed out waiting for ${what} (last answer for ${name}: ${last.trim()})`);
}

export async function dnsFollowsChanges(client: GantryClient, app: string, probe: DnsProbe): Promise<DnsFigures> {
  const name = `web.${app}.internal`;
  const before = await client.ps(app);
  const first = upIps(before);
  if (first.length !== 1) throw new Error(`DNS: expected one server instance up, ps shows ${first.length}`);
  const initial = await probe.resolve(name).catch((err: Error) => `ERR ${err.message}`);
  if (parseAnswer(initial) === null) return { skipped: `DNS: netd not available on this branch (${name} from the client: ${initial.trim()})` };
  await pollUntil(probe, name, (ips) => !!ips && sameSet(ips, first), 10_000, `${name} to answer the one instance ${first[0]}`);

  // Join: scale 1 -> 2, watch ps (for when the new instance is up) and the name side by side.
  const scaledAt = Date.now();
  await client.updateFormation(app, { web: { quantity: 2 } });
  // The watcher goes on after the name answered two (ps may lag the answer: then joinFromUpMs < 0).
  let second: InstanceView | null = null;
  let upAt = 0;
  const watcher = (async () => {
    const deadline = Date.now() + JOIN_TIMEOUT_MS;
    while (!second && Date.now() < deadline) {
      const fresh = (await client.ps(app).catch(() => [] as InstanceView[])).find((i) => i.state === 'up' && i.privateIp && !first.includes(i.privateIp));
      if (fresh) {
        second = fresh;
        upAt = Date.now();
      } else await sleep(100);
    }
  })();
  const joined = await pollUntil(probe, name, (ips) => ips?.length === 2, JOIN_TIMEOUT_MS, `${name} to answer two addresses after scaling to 2`);
  await watcher;
  const newcomer = second as InstanceView | null;
  if (!newcomer) throw new Error(`DNS: ${name} answered two addresses, but ps never showed a second instance up`);
  const answered = parseAnswer(await probe.resolve(name))!;
  if (!sameSet(answered, [...first, newcomer.privateIp!])) throw new Error(`DNS: ${name} answered ${answered.join(',')}, the instances up are ${[...first, newcomer.privateIp].join(',')}`);

  // Leave: kill the newcomer; time until the name stops answering its address.
  const killedAt = Date.now();
  await probe.kill(newcomer);
  const left = await pollUntil(probe, name, (ips) => !!ips && !ips.includes(newcomer.privateIp!), LEAVE_TIMEOUT_MS, `${name} to drop ${newcomer.privateIp} after docker kill`);

  const rtts = [...joined.rtts, ...left.rtts].sort((a, b) => a - b);
  return {
    name,
    joinFromUpMs: joined.at - upAt,
    joinFromScaleMs: joined.at - scaledAt,
    leaveMs: left.at - killedAt,
    probes: rtts.length,
    probeRttMs: rtts[Math.floor(rtts.length / 2)]!,
  };
}
