/**
 * run, ps:restart, ps:stop: one-off commands in a container of the app's current release, and
 * restarting or stopping its instances (the scheduler replaces them).
 */
import { FRAME, FrameDecoder, encodeFrame, type RunOptions } from '@gantry/api-client';
import { SIZES } from '@gantry/core';
import type { Command } from 'commander';
import { CliError, checkConfigKey, parseSizeName } from '../args';
import { client, requireLogin, resolveApp, withApp } from '../context';
import { shellQuote } from '../git';
import { info, spinner } from '../output';
import { openRun } from '../run-connection';

/** An exit code to end with, nothing to print (the command's own output said it). */
export class ExitWith extends CliError {
  constructor(code: number) {
    super('', code);
  }
}

/** --env K=V (repeatable) -> { K: V }. */
export function parseEnvArgs(args: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new CliError(`Expected --env KEY=VALUE, got ${JSON.stringify(arg)}.`);
    env[checkConfigKey(arg.slice(0, eq))] = arg.slice(eq + 1);
  }
  return env;
}

/** The command as a user would type it (display only: the API gets the argv). */
export function displayCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : shellQuote(a))).join(' ');
}

/**
 * Runs the one-off and relays it: output live to stdout/stderr, stdin to the command (raw with a
 * TTY, else piped, EOF closing the command's stdin). Resolves with the command's exit code.
 */
export async function runOneOff(app: string, options: RunOptions): Promise<number> {
  const login = requireLogin();
  const spin = spinner(`Running ${displayCommand(options.argv)} on ${app}`);
  let conn;
  try {
    conn = await openRun(login, app, options);
  } catch (e) {
    spin.stop('failed');
    throw e;
  }
  const { socket, head } = conn;
  const stdin = process.stdin;
  const send = (kind: (typeof FRAME)[keyof typeof FRAME], payload?: Buffer | string) => {
    if (socket.writable) socket.write(encodeFrame(kind, payload));
  };
  const onStdin = (chunk: Buffer) => send(FRAME.stdin, chunk);
  const onStdinEnd = () => send(FRAME.stdinEnd);
  const onResize = () => send(FRAME.resize, JSON.stringify({ cols: process.stdout.columns, rows: process.stdout.rows }));
  let spinning = true;
  const stopSpin = (text: string) => {
    if (spinning) spin.stop(text);
    spinning = false;
  };

  return new Promise<number>((resolve, reject) => {
    let exitCode: number | null = null;
    let failure: string | null = null;
    const decoder = new FrameDecoder();
    const onData = (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.kind === FRAME.status) {
          stopSpin(f.payload.toString('utf8'));
          startInput();
        } else if (f.kind === FRAME.stdout) process.stdout.write(f.payload);
        else if (f.kind === FRAME.stderr) process.stderr.write(f.payload);
        else if (f.kind === FRAME.exit) exitCode = Number(f.payload.toString('utf8'));
        else if (f.kind === FRAME.error) failure = f.payload.toString('utf8');
      }
    };
    let inputStarted = false;
    const startInput = () => {
      if (inputStarted) return;
      inputStarted = true;
      if (options.tty) {
        stdin.setRawMode(true);
        process.stdout.on('resize', onResize);
      }
      stdin.on('data', onStdin);
      stdin.on('end', onStdinEnd);
      stdin.resume();
    };
    const cleanup = () => {
      stdin.off('data', onStdin);
      stdin.off('end', onStdinEnd);
      process.stdout.off('resize', onResize);
      if (options.tty && stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      if (!stdin.isTTY) stdin.destroy();
    };
    socket.on('data', onData);
    socket.on('error', () => {});
    socket.on('close', () => {
      cleanup();
      stopSpin('failed');
      if (exitCode !== null) return resolve(exitCode);
      reject(new CliError(failure ?? 'The connection to the one-off was lost before it exited.'));
    });
    if (head.length) onData(head);
  });
}

/**
 * Runs argv in a one-off of `app` as `gantry run` does (interactive when stdin and stdout are a
 * terminal) and ends the command with its exit code when that is not 0.
 */
export async function runAndExit(app: string, argv: string[], env: Record<string, string> = {}, size?: string): Promise<void> {
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const code = await runOneOff(app, {
    argv,
    env,
    ...(size ? { size } : {}),
    tty,
    ...(tty ? { cols: process.stdout.columns, rows: process.stdout.rows } : {}),
  });
  if (code !== 0) throw new ExitWith(code);
}

export function register(program: Command): void {
  program.commandsGroup('Processes:');

  withApp(program.command('run'))
    .argument('<COMMAND...>', 'the command and its arguments (put -- before them when they have options)')
    .description('run a one-off command in a container of the app\'s current release')
    .option('-s, --size <size>', `instance size (${SIZES.map((s) => s.name).join(', ')})`)
    .option('-e, --env <KEY=VALUE>', 'an extra environment variable (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .passThroughOptions()
    .addHelpText(
      'after',
      `
The command gets the app's config vars, as its processes do, and runs as given (its arguments are
not joined into a shell line: use sh -c '...' for shell syntax). Output is streamed; gantry exits
with the command's exit code. On a terminal it is interactive; otherwise stdin is piped to it.

Examples:
  $ gantry run -a my-app -- bash
  $ gantry run -- node -e 'console.log(process.env.GREETING)'
  $ gantry run --env DEBUG=1 -- sh -c 'echo $DEBUG'
  $ echo 'select 1;' | gantry run -- psql "$DATABASE_URL"`,
    )
    .action(async (argv: string[], opts: { app?: string; size?: string; env: string[] }) => {
      const size = opts.size === undefined ? undefined : parseSizeName(opts.size);
      const env = parseEnvArgs(opts.env);
      const app = await resolveApp(opts.app);
      await runAndExit(app, argv, env, size);
    });

  withApp(program.command('ps:restart'))
    .alias('restart')
    .argument('[TYPE|INSTANCE]', 'a process type (web) or one instance (web.2); every instance when omitted')
    .description('restart instances: each gets a new one first, then the old one stops')
    .addHelpText(
      'after',
      `
Web instances keep serving: the new ones take traffic once healthy, then the old ones drain and
stop, as in a deploy.

Examples:
  $ gantry ps:restart -a my-app
  $ gantry ps:restart web
  $ gantry ps:restart web.2`,
    )
    .action(async (target: string | undefined, opts: { app?: string }) => {
      const app = await resolveApp(opts.app);
      const what = target ? (target.includes('.') ? target : `all ${target} instances`) : 'all instances';
      const spin = spinner(`Restarting ${what} of ${app}`);
      const out = await client()
        .restartInstances(app, target)
        .catch((e: unknown) => {
          spin.stop('failed');
          throw e;
        });
      spin.stop(`done (${out.processes.join(', ')})`);
    });

  withApp(program.command('ps:stop'))
    .alias('stop')
    .argument('<TYPE|INSTANCE>', 'a process type (web) or one instance (web.2)')
    .description('stop instances; the platform replaces them to keep the formation')
    .addHelpText(
      'after',
      `
As on Heroku, a stopped instance is replaced right away, since the formation still asks for it.
To keep a process type stopped, scale it to zero: gantry ps:scale web=0.

Examples:
  $ gantry ps:stop web.2 -a my-app
  $ gantry ps:stop web`,
    )
    .action(async (target: string, opts: { app?: string }) => {
      const app = await resolveApp(opts.app);
      const single = target.includes('.');
      const spin = spinner(`Stopping ${single ? target : `all ${target} instances`} of ${app}`);
      const out = await client()
        .stopInstances(app, target)
        .catch((e: unknown) => {
          spin.stop('failed');
          throw e;
        });
      spin.stop(`done (${out.processes.join(', ')})`);
      const type = target.split('.')[0]!;
      info(
        single
          ? `${target} is replaced to keep the formation. To run fewer, use \`gantry ps:scale ${type}=N\`.`
          : `The ${type} instances are replaced to keep the formation. To keep them stopped, use \`gantry ps:scale ${type}=0\`.`,
      );
    });
}
