/**
 * The agent's side of netd, the per-host DNS responder for private names (apps/netd):
 * ensureNetd keeps one netd container running on this host's engine (host network, so it can
 * bind the apps bridge's gateway and be probed by peers), and NetdClient pushes it the state
 * and reads its health. Safe to call every few seconds: a container whose image or settings
 * match is left alone.
 */
import { createHash } from 'node:crypto';
import { netdContainerName } from '@gantry/core';
import type { Docker } from '@gantry/docker';
import type { NetdState } from '@gantry/netd';

export interface NetdOptions {
  installation: string;
  hostId: string;
  /** gantry/netd:<digest> (the installer's netdImageRef), present on this engine. */
  image: string;
  /** Gateway of this host's apps bridge: containers' DNS server (HostConfig.Dns). */
  dnsIp: string;
  /** Address peers (and this agent) reach the control server on. */
  controlAddress: string;
  controlPort: number;
  token: string;
  /** Resolvers for other names (default: the host's non-loopback resolv.conf servers). */
  upstream?: string[];
  /** Only for tests; 53 otherwise. */
  dnsPort?: number;
}

export type NetdEnsured = 'running' | 'started' | 'created' | 'recreated';

const SPEC_LABEL = 'gantry.netd.spec';
const MEMORY_BYTES = 128 * 1024 * 1024;

export { netdContainerName };

export function netdEnv(opts: NetdOptions): Record<string, string> {
  return {
    NETD_DNS: opts.dnsIp,
    NETD_CONTROL: `${opts.controlAddress}:${opts.controlPort}`,
    NETD_TOKEN: opts.token,
    NETD_HOST: opts.hostId,
    ...(opts.upstream?.length ? { NETD_UPSTREAM: opts.upstream.join(',') } : {}),
    ...(opts.dnsPort ? { NETD_DNS_PORT: String(opts.dnsPort) } : {}),
  };
}

/** The container netd runs in, as data (create options); its spec label is a digest of image and env. */
export function netdContainerSpec(opts: NetdOptions): Docker.ContainerCreateOptions & { name: string } {
  const env = netdEnv(opts);
  const spec = createHash('sha256').update(JSON.stringify([opts.image, Object.entries(env).sort()])).digest('hex').slice(0, 16);
  return {
    name: netdContainerName(opts.installation),
    Image: opts.image,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: { 'gantry.instance': opts.installation, 'gantry.role': 'netd', 'gantry.host': opts.hostId, [SPEC_LABEL]: spec },
    HostConfig: {
      NetworkMode: 'host',
      RestartPolicy: { Name: 'always' },
      Init: true,
      // Root only to bind port 53: every other capability is dropped, nothing can be gained.
      CapDrop: ['ALL'],
      CapAdd: ['NET_BIND_SERVICE'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Memory: MEMORY_BYTES,
      MemorySwap: MEMORY_BYTES,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
    },
  };
}

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

async function inspectOrNull(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | null> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

async function createAndStart(docker: Docker, spec: ReturnType<typeof netdContainerSpec>): Promise<void> {
  const container = await docker.createContainer(spec);
  await container.start();
}

/** Makes sure netd runs on this engine with these settings; says what it had to do. */
export async function ensureNetd(docker: Docker, opts: NetdOptions): Promise<NetdEnsured> {
  const spec = netdContainerSpec(opts);
  const current = await inspectOrNull(docker, spec.name);
  if (current && current.Config.Labels?.[SPEC_LABEL] === spec.Labels![SPEC_LABEL]) {
    if (current.State.Running || current.State.Restarting) return 'running';
    try {
      await docker.getContainer(current.Id).start();
    } catch (err) {
      if (statusOf(err) !== 304) throw err; // 304: started meanwhile
    }
    return 'started';
  }
  if (current) await docker.getContainer(current.Id).remove({ force: true });
  try {
    await createAndStart(docker, spec);
  } catch (err) {
    // 409: a concurrent call created it first; the next call checks its settings.
    if (statusOf(err) === 409) return 'running';
    throw err;
  }
  return current ? 'recreated' : 'created';
}

export interface NetdHealth {
  version: number;
  down: string[];
}

export class NetdError extends Error {
  override name = 'NetdError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** The control API of one netd (PUT /state with the token, GET /health), each call bounded by a timeout. */
export class NetdClient {
  private readonly base: string;

  constructor(
    controlUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 2000,
  ) {
    this.base = controlUrl.replace(/\/+$/, '');
  }

  private async call(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: method === 'PUT' ? { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' } : {},
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const why = (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : ((err as { cause?: Error }).cause?.message ?? (err as Error).message);
      throw new NetdError(`netd at ${this.base} unreachable: ${why}`, null);
    }
    const text = await res.text();
    if (res.status !== 200) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new NetdError(`netd ${method} ${path} answered ${res.status}: ${message}`, res.status);
    }
    return JSON.parse(text);
  }

  /** Replaces netd's state; `applied` is false when netd holds a newer version. */
  async push(state: NetdState): Promise<{ applied: boolean; version: number }> {
    return (await this.call('PUT', '/state', state)) as { applied: boolean; version: number };
  }

  async health(): Promise<NetdHealth> {
    return (await this.call('GET', '/health')) as NetdHealth;
  }
}
