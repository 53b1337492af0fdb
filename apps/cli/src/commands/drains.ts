/** drains, drains:add, drains:remove: forward an app's log stream to external collectors. */
import type { Command } from 'commander';
import { parseDrainUrl, redactDrainUrl } from '@gantry/core';
import { CliError } from '../args';
import { client, resolveApp, withApp } from '../context';
import { heading, info, printJson, printTable } from '../output';

/** Checked before any network call, with the same rules as the API. */
function checkDrainUrl(input: string): string {
  try {
    return parseDrainUrl(input).url;
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

const count = (n: number) => n.toLocaleString('en-US');

export function register(program: Command): void {
  program.commandsGroup('Log drains:');

  withApp(program.command('drains'))
    .description('list where an app\'s logs are forwarded')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nDropped lines are lines a slow or unreachable collector could not take in time.\n\nExamples:\n  $ gantry drains -a my-app\n  $ gantry drains --json')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(opts.app);
      const drains = await client().drains(app);
      if (opts.json) return printJson(drains);
      if (drains.length === 0) return info(`${app} has no log drains. Add one: gantry drains:add syslog+tls://logs.example.com:6514`);
      heading(`${app} Drains`);
      printTable(
        [{ header: 'URL', shrink: true }, { header: 'Token' }, { header: 'Delivered' }, { header: 'Dropped', style: (v) => (v !== '0' && v !== '-' ? 'yellow' : undefined) }, { header: 'Error', shrink: true }],
        drains.map((d) => [redactDrainUrl(d.url), d.token, d.stats ? count(d.stats.delivered) : '-', d.stats ? count(d.stats.dropped) : '-', d.stats?.error ?? '']),
      );
    });

  withApp(program.command('drains:add'))
    .argument('<url>', 'syslog+tls://host:port, syslog://host:port or https://...')
    .description('forward the app\'s logs (app, router, build and platform lines) to a collector')
    .addHelpText(
      'after',
      `
syslog drains get RFC 5424 messages, octet-counted (RFC 6587), with the drain token as hostname.
HTTP(S) drains get POSTed batches of the same messages as application/logplex-1.
A slow or unreachable collector never slows the app: lines it cannot take are dropped.

Examples:
  $ gantry drains:add syslog+tls://logs.example.com:6514 -a my-app
  $ gantry drains:add https://user:pass@collector.example.com/logs`,
    )
    .action(async (url: string, opts: { app?: string }) => {
      const canonical = checkDrainUrl(url);
      const app = await resolveApp(opts.app);
      const d = await client().addDrain(app, canonical);
      info(`Added a drain to ${redactDrainUrl(d.url)} for ${app} (token ${d.token}). New log lines are forwarded from now on.`);
    });

  withApp(program.command('drains:remove'))
    .argument('<url|id>', 'the drain\'s URL, id or token, from `gantry drains`')
    .description('stop forwarding the app\'s logs to a collector')
    .addHelpText('after', '\nExamples:\n  $ gantry drains:remove syslog+tls://logs.example.com:6514 -a my-app\n  $ gantry drains:remove d.8a05ac1d-2b5f-4f1e-9a9e-6f0c4d7a1b2c')
    .action(async (ref: string, opts: { app?: string }) => {
      const app = await resolveApp(opts.app);
      await client().removeDrain(app, ref);
      info(`Removed the drain ${redactDrainUrl(ref)} from ${app}.`);
    });
}

