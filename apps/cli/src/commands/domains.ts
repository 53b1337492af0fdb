/** domains, domains:add, domains:remove, certs, certs:add, certs:remove, router:settings. */
import { readFile } from 'node:fs/promises';
import { customDomainProblem } from '@gantry/core';
import type { Command } from 'commander';
import { CliError } from '../args';
import { client, resolveApp, withApp } from '../context';
import { heading, info, printFields, printJson, printTable } from '../output';

const onOff = (v: string): boolean => {
  if (v === 'on' || v === 'true') return true;
  if (v === 'off' || v === 'false') return false;
  throw new CliError(`Use on or off, not ${JSON.stringify(v)}.`);
};

const seconds = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 3600) throw new CliError(`${name} must be whole seconds from 1 to 3600.`);
  return n;
};

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read the ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function register(program: Command): void {
  program.commandsGroup('Domains and TLS:');

  withApp(program.command('domains'))
    .description('list the hostnames an app answers at')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry domains -a my-app')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(opts.app);
      const domains = await client().domains(app);
      if (opts.json) return printJson(domains);
      heading(`${app} Domains`);
      printTable([{ header: 'Hostname' }, { header: 'Kind' }], domains.map((d) => [d.hostname, d.kind]));
    });

  withApp(program.command('domains:add'))
    .argument('<hostname>', 'e.g. www.example.com')
    .description('make an app answer at a custom hostname (point its DNS at a router)')
    .addHelpText(
      'after',
      '\nA hostname belongs to one app only. It must be a DNS name under a public suffix: no IP addresses,\n' +
        'no localhost, .local, .internal, .lan, .home.arpa, .test, .example, .invalid or .onion names,\n' +
        "and none of Gantry's own names.\n\nExamples:\n  $ gantry domains:add www.example.com -a my-app",
    )
    .action(async (hostname: string, opts: { app?: string }) => {
      // The same rules as the server's, minus the platform's names, which only the server knows.
      const problem = customDomainProblem(hostname, { appsDomain: '' });
      if (problem) throw new CliError(`${JSON.stringify(hostname.trim())} cannot be a custom domain: it ${problem}.`);
      const app = await resolveApp(opts.app);
      const d = await client().addDomain(app, hostname);
      info(`Added ${d.hostname} to ${app}. Point its DNS (CNAME or A record) at a Gantry router.`);
    });

  withApp(program.command('domains:remove'))
    .argument('<hostname>', 'a custom hostname of the app')
    .description('stop answering at a custom hostname')
    .addHelpText('after', '\nExamples:\n  $ gantry domains:remove www.example.com -a my-app')
    .action(async (hostname: string, opts: { app?: string }) => {
      const app = await resolveApp(opts.app);
      await client().removeDomain(app, hostname);
      info(`Removed ${hostname} from ${app}.`);
    });

  withApp(program.command('certs'))
    .description('list the TLS certificates of an app')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry certs -a my-app')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(opts.app);
      const certs = await client().certs(app);
      if (opts.json) return printJson(certs);
      if (certs.length === 0) return info(`${app} has no TLS certificates. Add one: gantry certs:add CERT.pem KEY.pem`);
      heading(`${app} Certificates`);
      printTable(
        [{ header: 'Names', shrink: true }, { header: 'Expires' }, { header: 'Id' }],
        certs.map((c) => [c.hostnames.join(', '), c.notAfter.slice(0, 10), c.id]),
      );
    });

  withApp(program.command('certs:add'))
    .argument('<cert>', 'PEM file of the certificate (its chain may follow)')
    .argument('<key>', 'PEM file of its private key (not encrypted)')
    .description('serve HTTPS for the app with this certificate (by SNI on the routers\' HTTPS port)')
    .addHelpText('after', '\nThe key is stored encrypted. The certificate must cover one of the app\'s hostnames.\n\nExamples:\n  $ gantry certs:add server.crt server.key -a my-app')
    .action(async (certPath: string, keyPath: string, opts: { app?: string }) => {
      const [cert, key] = [await readPem(certPath, 'certificate'), await readPem(keyPath, 'key')];
      const app = await resolveApp(opts.app);
      const added = await client().addCert(app, cert, key);
      info(`Added a certificate for ${added.hostnames.join(', ')} (expires ${added.notAfter.slice(0, 10)}); it serves ${added.covers.join(', ')}.`);
    });

  withApp(program.command('certs:remove'))
    .argument('<id>', 'certificate id (or SHA-256 fingerprint), from `gantry certs`')
    .description('stop serving a certificate')
    .addHelpText('after', '\nExamples:\n  $ gantry certs:remove 0190c5a1-... -a my-app')
    .action(async (id: string, opts: { app?: string }) => {
      const app = await resolveApp(opts.app);
      await client().removeCert(app, id);
      info(`Removed the certificate from ${app}.`);
    });

  withApp(program.command('router:settings'))
    .description('show or change how the routers treat an app')
    .option('--https-redirect <on|off>', 'answer plain HTTP with a redirect to HTTPS', onOff)
    .option('--first-byte-timeout <seconds>', 'time to the first byte of a response before a 504 (default 30)', seconds('--first-byte-timeout'))
    .option('--idle-timeout <seconds>', 'idle time allowed on streams: SSE, websockets (default 55)', seconds('--idle-timeout'))
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry router:settings -a my-app\n  $ gantry router:settings --https-redirect on --idle-timeout 300 -a my-app')
    .action(async (opts: { app?: string; json?: boolean; httpsRedirect?: boolean; firstByteTimeout?: number; idleTimeout?: number }) => {
      const app = await resolveApp(opts.app);
      const change = {
        ...(opts.httpsRedirect !== undefined ? { httpsRedirect: opts.httpsRedirect } : {}),
        ...(opts.firstByteTimeout !== undefined ? { firstByteTimeout: opts.firstByteTimeout } : {}),
        ...(opts.idleTimeout !== undefined ? { idleTimeout: opts.idleTimeout } : {}),
      };
      const s = Object.keys(change).length ? await client().updateRouterSettings(app, change) : await client().routerSettings(app);
      if (opts.json) return printJson(s);
      heading(`${app} Router settings`);
      printFields([
        ['HTTPS redirect', s.httpsRedirect ? 'on' : 'off'],
        ['First byte timeout', `${s.firstByteTimeout} s`],
        ['Idle timeout', `${s.idleTimeout} s`],
      ]);
    });
}
