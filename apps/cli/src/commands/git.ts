/** git:remote, and the hidden git:credential that git runs as its credential helper. */
import type { Command } from 'commander';
import { CliError } from '../args';
import { REMOTE, client, currentLogin, resolveApp, withApp } from '../context';
import { connectRepo, insideRepo } from '../git';
import { info } from '../output';
import { readStdinLines } from '../prompt';

/** git's credential input: "key=value" lines up to a blank line; "key[]" lines may repeat. */
export function parseCredentialInput(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line === '') break;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (!key.endsWith('[]')) out[key] = line.slice(eq + 1);
  }
  return out;
}

/**
 * The answer to `get`: the login of the API that owns the git host (the default API, or
 * GANTRY_API_URL / GANTRY_TOKEN). Nothing when not logged in; git then reports the failure.
 */
export function credentialAnswer(request: Record<string, string>, env: NodeJS.ProcessEnv = process.env): string {
  if (request.protocol && !/^https?$/.test(request.protocol)) return '';
  const login = currentLogin(env);
  if (!login) return '';
  return `username=${login.email ?? 'gantry'}\npassword=${login.token}\n`;
}

export function register(program: Command): void {
  program.commandsGroup('Git:');

  withApp(program.command('git:remote'))
    .description('point a git remote of the current repo at the app and set up git\'s credential helper')
    .option('-r, --remote <name>', 'name of the remote', REMOTE)
    .addHelpText(
      'after',
      `
Adds (or replaces) the remote and, for this repository only, makes git ask this CLI for the
credentials of the Gantry git host: no token is written to .git/config, and a \`gantry login\`
or \`gantry logout\` takes effect for git at once.

Examples:
  $ gantry git:remote -a my-app
  $ gantry git:remote -a my-app -r staging`,
    )
    .action(async (opts: { app?: string; remote: string }) => {
      const app = await resolveApp(opts.app);
      const cwd = process.cwd();
      if (!(await insideRepo(cwd))) throw new CliError('Not inside a git repository: run this in your app\'s repository (or `git init` first).');
      const view = await client().appInfo(app);
      for (const line of await connectRepo(view, opts.remote, cwd)) info(line);
    });

  program
    .command('git:credential', { hidden: true })
    .argument('<operation>', 'get, store or erase (git passes it)')
    .description('git credential helper (run by git, not by you)')
    .action(async (operation: string) => {
      const request = parseCredentialInput(await readStdinLines());
      if (operation !== 'get') return; // store/erase: the CLI's login is the only source of truth
      try {
        process.stdout.write(credentialAnswer(request));
      } catch (e) {
        process.stderr.write(`gantry credential helper: ${(e as Error).message}\n`);
      }
    });
}
