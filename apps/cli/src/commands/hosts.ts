/**
 * hosts, hosts:info, hosts:add, hosts:drain, hosts:undrain, hosts:remove: the machines (Docker
 * engines) instances run on. Cluster-wide, so the API allows them to Gantry admins only; anyone
 * else gets the server's 403 message.
 */
import { readFile } from 'node:fs/promises';
import type { GantryClient, HostView } from '@gantry/api-client';
import { INSECURE_DOCKER_WARNING, checkDockerEndpoint, type DockerTls } from '@gantry/core';
import type { Command } from 'commander';
import { CliError, checkAddress, checkDockerUrl, checkHostName, parseCpus, parseLabels } from '../args';
import { HOST_COLUMNS, hostInstanceState, hostRow, hostStatus, labelsText, stateStyle, usageText } from '../cluster';
import { client } from '../context';
import { moveSummary } from './volumes';
import { ago, heading, humanBytes, info, print, printFields, printJson, printTable, waitFor, withSpinner, warn } from '../output';
import { ask, stdinIsTTY } from '../prompt';

export const DRAIN_WAIT_INTERVAL_MS = 1000;
export const DRAIN_WAIT_TIMEOUT_MS = 600_000;

type HostDetail = Awaited<ReturnType<GantryClient['host']>>;

const collect = (value: string, previous: string[] = []) => [...previous, value];
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function printHost(h: HostView): void {
  heading(h.name);
  const fields: [string, string][] = [
    ['Status', hostStatus(h)],
    ['Docker', `${h.dockerUrl} (${TRANSPORT[h.dockerTransport] ?? h.dockerTransport})`],
    ['Address', h.address],
    ['Agent', h.managed ? 'run by the control plane' : 'runs on the machine itself (remote)'],
    ['Labels', labelsText(h.labels).replace(/,/g, ', ') || 'none'],
    ['CPUs', String(h.cpus)],
    ['Memory', humanBytes(h.memoryBytes)],
    ['Allocated', `${humanBytes(h.allocated.memoryBytes)}, ${h.allocated.cpuShares} cpu shares, ${plural(h.allocated.instances, 'instance')}`],
  ];
  if (h.usage) fields.push(['Usage', `${usageText(h.usage)}, ${plural(h.usage.containers, 'container')}`]);
  fields.push(['Last seen', h.lastSeen ? `${h.lastSeen} (${ago(h.lastSeen)})` : 'never (its agent has not reported yet)']);
  if (h.dockerError) fields.push(['Docker error', h.dockerError]);
  printFields(fields);
}

const TRANSPORT: Record<string, string> = { unix: 'local socket', tls: 'TLS, client certificate', insecure: 'no TLS: insecure' };

async function readTlsFile(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read ${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** --tls-ca/--tls-cert/--tls-key: all three or none, read here and sent in the body. */
async function tlsFromFlags(opts: { tlsCa?: string; tlsCert?: string; tlsKey?: string }): Promise<DockerTls | undefined> {
  const given = [opts.tlsCa, opts.tlsCert, opts.tlsKey].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given !== 3) throw new CliError('TLS to a Docker engine needs all of --tls-ca, --tls-cert and --tls-key.');
  const [ca, cert, key] = await Promise.all([readTlsFile(opts.tlsCa!, '--tls-ca'), readTlsFile(opts.tlsCert!, '--tls-cert'), readTlsFile(opts.tlsKey!, '--tls-key')]);
  return { ca, cert, key };
}

function printAgentCommand(h: HostView): void {
  if (!h.agentCommand) return;
  print();
  print('Run its agent on that machine:');
  print(`  ${h.agentCommand}`);
}

function printInstances(h: HostDetail): void {
  print();
  if (h.instances.length === 0) return print(`${h.name} runs no instances.`);
  heading(`${h.name} Instances`);
  const rows = [...h.instances]
    .sort((a, b) => a.app.localeCompare(b.app) || a.process.localeCompare(b.process, 'en', { numeric: true }))
    .map((i) => [i.app, i.process, hostInstanceState(i.state, i.desired)]);
  printTable([{ header: 'App', shrink: true }, { header: 'Process' }, { header: 'State', style: stateStyle }], rows);
}

export function register(program: Command): void {
  program.commandsGroup('Hosts (admins):');

  program
    .command('hosts')
    .description('list the hosts instances run on: status, capacity, allocation, labels')
    .option('--json', 'output as JSON')
    .addHelpText(
      'after',
      `
Allocated is the memory reserved by the instances placed on the host; Usage is what its agent
last measured. Only Gantry admins manage hosts.

Examples:
  $ gantry hosts
  $ gantry hosts --json | jq -r '.[] | select(.status == "down") | .name'`,
    )
    .action(async (opts: { json?: boolean }) => {
      const hosts = await client().hosts();
      if (opts.json) return printJson(hosts);
      if (hosts.length === 0) return info('There are no hosts. Add one with `gantry hosts:add NAME --docker URL --address IP`.');
      printTable(HOST_COLUMNS, hosts.map(hostRow));
    });

  program
    .command('hosts:info')
    .argument('<name>', 'host name')
    .description('show a host, the instances it runs, and how to run its agent when it is remote')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry hosts:info node-1\n  $ gantry hosts:info node-1 --json')
    .action(async (name: string, opts: { json?: boolean }) => {
      checkHostName(name);
      const h = await client().host(name);
      if (opts.json) return printJson(h);
      printHost(h);
      printInstances(h);
      printAgentCommand(h);
    });

  program
    .command('hosts:add')
    .argument('<name>', 'host name (lowercase letters, digits, dashes; at most 40)')
    .description('add a machine\'s Docker engine to the cluster')
    .requiredOption('--docker <url>', 'its Docker engine: tcp://IP:2376 with --tls-*, or unix:///var/run/docker.sock')
    .requiredOption('--address <ip>', 'the IP or hostname the routers reach its instances at')
    .option('-l, --label <key=value>', 'a label for placement constraints (repeatable)', collect)
    .option('--cpu <n>', 'CPUs to use (default: what the engine reports)')
    .option('--memory <size>', 'memory to use, e.g. 4g or 512m (default: what the engine reports)')
    .option('--remote', 'the control plane cannot reach the engine: its agent runs on that machine')
    .option('--tls-ca <file>', 'CA certificate that signed the engine\'s server certificate (PEM)')
    .option('--tls-cert <file>', 'client certificate the engine trusts (PEM; dockerd --tlsverify)')
    .option('--tls-key <file>', 'the client certificate\'s private key (PEM; stored encrypted)')
    .option('--insecure', 'accept a tcp:// engine without TLS (anyone reaching its port controls it)')
    .addHelpText(
      'after',
      `
The control plane checks the engine and runs the host's agent itself. For a machine it cannot
reach, use --remote (with --cpu and --memory): the command prints how to run gantry-agent there.

A Docker API is root on its machine: reach a tcp:// engine with TLS client certificates (the
engine runs with --tlsverify --tlscacert --tlscert --tlskey), or run gantry-agent on the machine
(--remote, unix socket). Plain tcp:// is refused unless you pass --insecure.

Examples:
  $ gantry hosts:add node-2 --docker tcp://10.0.0.12:2376 --address 10.0.0.12 --label region=eu \\
      --tls-ca ca.pem --tls-cert cert.pem --tls-key key.pem
  $ gantry hosts:add edge-1 --docker unix:///var/run/docker.sock --address 203.0.113.7 \\
      --remote --cpu 4 --memory 8g --label region=us --label disk=ssd`,
    )
    .action(async (name: string, opts: { docker: string; address: string; label?: string[]; cpu?: string; memory?: string; remote?: boolean; tlsCa?: string; tlsCert?: string; tlsKey?: string; insecure?: boolean }) => {
      checkHostName(name);
      checkDockerUrl(opts.docker);
      const tls = await tlsFromFlags(opts);
      try {
        checkDockerEndpoint({ dockerUrl: opts.docker, ...(tls ? { tls } : {}), insecure: opts.insecure === true });
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      if (opts.insecure && !tls && opts.docker.startsWith('tcp:')) warn(`Warning: ${INSECURE_DOCKER_WARNING}`);
      checkAddress(opts.address);
      const labels = parseLabels(opts.label ?? []);
      const cpus = opts.cpu === undefined ? undefined : parseCpus(opts.cpu);
      if (opts.memory !== undefined && !opts.memory.trim()) throw new CliError('--memory needs a size, e.g. 4g or 512m.');
      const api = client();
      const h = await withSpinner(`Adding host ${name}`, () =>
        api.addHost({
          name,
          dockerUrl: opts.docker,
          address: opts.address,
          labels,
          ...(cpus !== undefined ? { cpus } : {}),
          ...(opts.memory !== undefined ? { memory: opts.memory.trim() } : {}),
          ...(opts.remote ? { remote: true } : {}),
          ...(tls ? { tls } : {}),
          ...(opts.insecure ? { insecure: true } : {}),
        }),
      );
      printHost(h);
      printAgentCommand(h);
    });

  program
    .command('hosts:drain')
    .argument('<name>', 'host name')
    .description('move every instance off a host and place no new ones there')
    .option('--wait', `wait until the host runs no instances (up to ${DRAIN_WAIT_TIMEOUT_MS / 60_000} min)`)
    .option('--move', 'move the volumes and add-ons the host holds to other hosts first (else such a host is refused)')
    .addHelpText(
      'after',
      `
Each instance is replaced on another host first, then the one on this host stops, so the app
keeps serving. Undo with hosts:undrain; remove the host once it runs nothing.
Volumes and add-ons do not move by themselves: a host that holds any is refused with the list
and the commands that move each (volumes:move, addons:move), unless --move moves them to the
first other host that can take them (Postgres by streaming replication).

Examples:
  $ gantry hosts:drain node-1 --wait && gantry hosts:remove node-1 --confirm node-1
  $ gantry hosts:drain node-1 --move`,
    )
    .action(async (name: string, opts: { wait?: boolean; move?: boolean }) => {
      checkHostName(name);
      const api = client();
      const h = await withSpinner(opts.move ? `Moving the data ${name} holds, then draining it` : `Draining ${name}`, () => api.drainHost(name, { move: opts.move === true }));
      for (const m of h.moved ?? []) info(moveSummary(m));
      if (!opts.wait) {
        const n = h.allocated.instances;
        return print(n ? `${name} is draining: its ${plural(n, 'instance')} move to other hosts.` : `${name} is draining; it runs no instances.`);
      }
      await waitFor(
        `Waiting for ${name} to run no instances`,
        async () => {
          const detail = await api.host(name);
          const left = detail.instances.length;
          return { done: left === 0, text: `${left} left`, value: left };
        },
        {
          intervalMs: DRAIN_WAIT_INTERVAL_MS,
          timeoutMs: DRAIN_WAIT_TIMEOUT_MS,
          onTimeout: (left) =>
            new CliError(`${name} still runs ${plural(left, 'instance')} after ${DRAIN_WAIT_TIMEOUT_MS / 60_000} min. See \`gantry hosts:info ${name}\`, and \`gantry ps:explain\` for instances that cannot be placed elsewhere.`),
        },
      );
    });

  program
    .command('hosts:undrain')
    .argument('<name>', 'host name')
    .description('let a drained host take instances again')
    .addHelpText('after', '\nExamples:\n  $ gantry hosts:undrain node-1')
    .action(async (name: string) => {
      checkHostName(name);
      const api = client();
      await withSpinner(`Undraining ${name}`, () => api.undrainHost(name));
      print(`${name} takes new instances again.`);
    });

  program
    .command('hosts:remove')
    .argument('<name>', 'host name')
    .description('remove a host that runs no instances (drain it first)')
    .option('--confirm <name>', 'the host\'s name, to confirm without a prompt')
    .addHelpText(
      'after',
      `
A host that still runs instances is refused: drain it first (hosts:drain NAME --wait). Without
--confirm, asks you to type the host's name (on a terminal) or refuses (exit 1).

Examples:
  $ gantry hosts:remove node-1 --confirm node-1`,
    )
    .action(async (name: string, opts: { confirm?: string }) => {
      checkHostName(name);
      if (opts.confirm !== undefined) {
        if (opts.confirm !== name) throw new CliError(`--confirm ${opts.confirm} does not match the host ${name}; nothing was removed.`);
      } else if (stdinIsTTY() && process.stderr.isTTY) {
        warn(`This removes the host ${name} from the cluster.\nType its name to proceed, or re-run with --confirm ${name}.`);
        const typed = await ask('> ');
        if (typed !== name) throw new CliError(`Confirmation did not match ${name}; nothing was removed.`);
      } else {
        throw new CliError(`This would remove the host ${name} from the cluster.\nTo proceed, re-run with --confirm ${name}`);
      }
      const api = client();
      await withSpinner(`Removing host ${name}`, () => api.removeHost(name));
    });
}
