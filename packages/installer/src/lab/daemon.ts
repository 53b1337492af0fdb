/**
 * One lab host's dockerd: its argv (pure), starting it inside the host's network namespace with its
 * own hostname, waiting until it answers over TCP, and reading its log when it does not.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Argv } from './exec';
import { NETNS_DIR, type HostPlan, type LabPlan } from './plan';
import type { LabClientTls } from './tls';

export const DOCKERD = '/usr/sbin/dockerd';

/** daemon.json: its own key (else every daemon reports the same ID) and a pool for user networks. */
export function daemonConfig(plan: LabPlan, host: HostPlan): Record<string, unknown> {
  return {
    'deprecated-key-path': host.keyFile,
    'default-address-pools': [plan.addressPool],
  };
}

export function dockerdArgv(host: HostPlan, dockerd = DOCKERD): Argv {
  return [
    dockerd,
    '--config-file', host.configFile,
    '--data-root', host.dataRoot,
    '--exec-root', host.execRoot,
    '--pidfile', host.pidFile,
    '-H', `unix://${host.socket}`,
    '-H', `tcp://${host.address}:${host.dockerPort}`,
    ...(host.tls
      ? // Mutual TLS: only clients with a certificate of the lab's CA get in.
        ['--tlsverify', '--tlscacert', host.tls.caFile, '--tlscert', host.tls.certFile, '--tlskey', host.tls.keyFile]
      : // Without it, a TCP listener without TLS on a non-loopback address waits 15 s before starting.
        ['--tls=false']),
    '--bip', host.bip,
    '--cgroup-parent', host.cgroupParent,
    // Inside the host's own namespace: published ports work by DNAT there. Never in the root one.
    '--iptables=true',
    '--storage-driver', 'overlay2',
  ];
}

/**
 * The full command: enter the host's network namespace, unshare the UTS namespace, set the hostname
 * and exec dockerd. nsenter rather than `ip netns exec`, which remounts /sys and breaks dockerd
 * ("Devices cgroup isn't mounted"). The shell script is a constant: name and argv are positional.
 */
export function launchArgv(host: HostPlan, dockerd = DOCKERD): Argv {
  return [
    'nsenter', `--net=${join(NETNS_DIR, host.netns)}`, '--',
    'unshare', '--uts', '--',
    'sh', '-c', 'hostname "$1" && shift && exec "$@"', 'gantry-lab', host.name,
    ...dockerdArgv(host, dockerd),
  ];
}

export interface StartedDaemon {
  pid: number;
  exited: Promise<number | null>;
}

export async function startDaemon(plan: LabPlan, host: HostPlan): Promise<StartedDaemon> {
  await Promise.all([mkdir(host.dataRoot, { recursive: true }), mkdir(host.execRoot, { recursive: true }), mkdir(dirname(host.pidFile), { recursive: true })]);
  await writeFile(host.configFile, `${JSON.stringify(daemonConfig(plan, host), null, 2)}\n`);
  const log = openSync(host.logFile, 'a');
  try {
    const [file, ...args] = launchArgv(host);
    // Own process group: a Ctrl-C meant for the test runner does not reach the daemons; stop() and
    // killHost() end them (and the next startLab of the prefix ends any a crash left behind).
    const child = spawn(file, args, { detached: true, stdio: ['ignore', log, log] });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(-1));
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`Could not start dockerd of ${host.name}; log: ${host.logFile}`);
    return { pid: child.pid, exited };
  } finally {
    closeSync(log);
  }
}

/**
 * Stops a host's dockerd gracefully (SIGTERM: it stops its containers first, as on a service
 * restart) and resolves once the process is gone; SIGKILL after `timeoutMs`.
 */
export async function stopDaemon(host: HostPlan, timeoutMs = 60_000): Promise<void> {
  const pid = Number((await readFile(host.pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`No dockerd pid in ${host.pidFile}`);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive()) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await sleep(50);
  }
}

/** GET /_ping (over mutual TLS with `tls`); true on "OK". */
export function ping(address: string, port: number, timeoutMs = 1000, tls?: LabClientTls): Promise<boolean> {
  return new Promise((resolve) => {
    const options = { host: address, port, path: '/_ping', agent: false, timeout: timeoutMs } as const;
    const onResponse = (res: http.IncomingMessage) => {
      res.resume();
      resolve(res.statusCode === 200);
    };
    const req = tls ? https.get({ ...options, ca: tls.ca, cert: tls.cert, key: tls.key }, onResponse) : http.get(options, onResponse);
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
}

export async function logTail(file: string, lines = 15): Promise<string> {
  try {
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      const len = Math.min(size, 8192);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, size - len);
      return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } finally {
      await fh.close();
    }
  } catch {
    return '(no log)';
  }
}

/**
 * Resolves when the daemon answers /_ping over TCP from the root namespace; fails fast if it exits.
 * A host that boots again restores its containers before it answers, and a container on a swarm
 * overlay network whose attachment the manager does not grant at once waits Docker's 20 s for it
 * (seen after a cut: "attaching to network failed ... context deadline exceeded"): hence 90 s.
 */
export async function waitDaemon(host: HostPlan, daemon: StartedDaemon, tls?: LabClientTls, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void daemon.exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (await ping(host.address, host.dockerPort, 500, tls)) return;
    if (exitCode !== undefined || Date.now() > deadline) {
      const why = exitCode !== undefined ? `exited (code ${exitCode})` : `did not answer ${host.dockerUrl} within ${timeoutMs} ms`;
      throw new Error(`dockerd of lab host ${host.name} ${why}; log: ${host.logFile}\n${await logTail(host.logFile)}`);
    }
    await sleep(25);
  }
}
