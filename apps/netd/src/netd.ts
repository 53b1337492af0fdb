/** Wires one netd: zones + liveness + prober, the DNS listeners and the control server. */
import type { Server } from 'node:http';
import { answer } from './answer';
import type { NetdConfig } from './config';
import { controlServer } from './control';
import { listenDns, type DnsListeners } from './dns-server';
import { PeerLiveness } from './liveness';
import { startProbing } from './probe';
import { EMPTY_STATE } from './state';
import { forward } from './upstream';
import { Zones } from './zone';

export interface Log {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface RunningNetd {
  dns: DnsListeners;
  control: Server;
  stop(): Promise<void>;
}

export async function startNetd(config: NetdConfig, log: Log): Promise<RunningNetd> {
  const zones = new Zones(EMPTY_STATE);
  let peers: Record<string, string> = {};
  const liveness = new PeerLiveness(config.hostId);
  const onError = (err: unknown) => log.warn('error', { error: err instanceof Error ? err.message : String(err) });

  const dns = await listenDns(
    config.dnsIp,
    config.dnsPort,
    (raw, clientIp, transport) => answer(raw, clientIp, transport, { zones, down: () => liveness.down(), forward: (q, t) => forward(q, config.upstream, t) }),
    onError,
  );

  const health = () => ({ version: zones.version, down: [...liveness.down()].sort() });
  const control = controlServer(
    {
      token: config.token,
      health,
      apply: (state) => {
        if (!zones.replace(state)) return false;
        peers = state.peers;
        liveness.setPeers(Object.keys(peers));
        return true;
      },
    },
    onError,
  );
  await new Promise<void>((resolve, reject) => {
    control.once('error', reject);
    control.listen(config.controlPort, config.controlIp, () => resolve());
  });

  let lastDown = '';
  const stopProbing = startProbing(config.hostId, () => peers, liveness);
  const watch = setInterval(() => {
    const down = health().down.join(',');
    if (down !== lastDown) log.info('peers down changed', { down: down ? down.split(',') : [] });
    lastDown = down;
  }, 500);

  if (!config.upstream.length) log.warn('no upstream resolver (NETD_UPSTREAM unset and no non-loopback nameserver in /etc/resolv.conf): names outside .internal get SERVFAIL');
  log.info('netd ready', { dns: `${config.dnsIp}:${config.dnsPort}`, control: `${config.controlIp}:${config.controlPort}`, upstream: config.upstream.map((u) => `${u.address}:${u.port}`), host: config.hostId });
  return {
    dns,
    control,
    stop: async () => {
      stopProbing();
      clearInterval(watch);
      control.closeAllConnections();
      await Promise.all([dns.close(), new Promise<void>((resolve) => control.close(() => resolve()))]);
    },
  };
}
