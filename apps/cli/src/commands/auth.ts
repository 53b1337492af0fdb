/** login, logout, whoami, auth:token. */
import { hostname } from 'node:os';
import { ApiError, GantryClient, forgetLogin, readCredentials, saveLogin } from '@gantry/api-client';
import type { Command } from 'commander';
import { CliError } from '../args';
import { apiUrl, client, credentialsFile, requireLogin } from '../context';
import { info, print, printJson, spinner, warn } from '../output';
import { ask, askHidden, readStdinLines, stdinIsTTY } from '../prompt';

async function credentialsFromUser(opts: { email?: string; password?: string }): Promise<{ email: string; password: string }> {
  let { email, password } = opts;
  if (email && password) return { email, password };
  if (stdinIsTTY()) {
    email ||= await ask('Email: ');
    password ||= await askHidden('Password: ');
  } else {
    const lines = await readStdinLines();
    if (!email) email = lines.shift()?.trim();
    password ||= lines.shift();
  }
  if (!email || !password) {
    throw new CliError('Email and password are needed: pass --email and --password, answer the prompts, or pipe them on stdin (email line, then password line).');
  }
  return { email, password };
}

export function register(program: Command): void {
  program.commandsGroup('Account:');

  program
    .command('login')
    .description('log in to a Gantry and save a token for this machine')
    .option('--api <url>', 'Gantry API to log in to (default: GANTRY_API_URL, the saved default, or http://localhost:3000)')
    .option('-e, --email <email>', 'email (prompted when omitted)')
    .option('-p, --password <password>', 'password (prompted when omitted; prefer the prompt or stdin, arguments show up in `ps`)')
    .addHelpText(
      'after',
      `
The token is saved in $XDG_CONFIG_HOME/gantry/credentials.json (default ~/.config/gantry),
readable only by you, and that API becomes the default.

Examples:
  $ gantry login
  $ gantry login --api https://gantry.example.com
  $ printf '%s\\n%s\\n' me@example.com "$PASSWORD" | gantry login`,
    )
    .action(async (opts: { api?: string; email?: string; password?: string }) => {
      const api = apiUrl(process.env, opts.api);
      const creds = await credentialsFromUser(opts);
      const anon = new GantryClient({ baseUrl: api });
      const spin = spinner(`Logging in to ${api}`);
      let out: Awaited<ReturnType<GantryClient['login']>>;
      try {
        out = await anon.login(creds.email, creds.password, `cli on ${hostname()}`);
      } catch (e) {
        spin.stop('failed');
        // A wrong password is a failed command, not a "you must log in" state.
        if (e instanceof ApiError && e.status === 401) throw new CliError(e.message);
        throw e;
      }
      saveLogin(credentialsFile(), api, { email: out.user.email, token: out.token });
      spin.stop('done');
      info(`Logged in as ${out.user.email}`);
      if (process.env.GANTRY_TOKEN) warn('GANTRY_TOKEN is set in your environment and takes precedence over this login.');
    });

  program
    .command('logout')
    .description('revoke this machine\'s token and forget it')
    .addHelpText('after', '\nExamples:\n  $ gantry logout')
    .action(async () => {
      const api = apiUrl();
      const saved = readCredentials(credentialsFile()).apis[api];
      if (!saved) {
        info(`Not logged in to ${api}.`);
        return;
      }
      const spin = spinner(`Logging out of ${api}`);
      try {
        await new GantryClient({ baseUrl: api, token: saved.token }).logout();
      } catch (e) {
        // Already revoked: just forget it. Unreachable: forget it locally anyway, but say so.
        if (!(e instanceof ApiError && e.status === 401)) {
          forgetLogin(credentialsFile(), api);
          spin.stop('failed');
          throw new CliError(`${(e as Error).message}\nThe token was forgotten locally but may still be valid on the server.`);
        }
      }
      forgetLogin(credentialsFile(), api);
      spin.stop('done');
      if (process.env.GANTRY_TOKEN) warn('GANTRY_TOKEN is still set in your environment and is still used.');
    });

  program
    .command('whoami')
    .description('show the email of the logged-in user')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry whoami')
    .action(async (opts: { json?: boolean }) => {
      const me = await client().me();
      if (opts.json) printJson(me);
      else print(me.email);
    });

  program
    .command('auth:token')
    .description('print the current API token (for scripts: GANTRY_TOKEN=$(gantry auth:token))')
    .addHelpText('after', '\nExamples:\n  $ curl -H "Authorization: Bearer $(gantry auth:token)" http://localhost:3000/api/v1/apps')
    .action(() => {
      print(requireLogin().token);
    });
}

