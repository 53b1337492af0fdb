/**
 * ps, ps:scale, ps:type, ps:constraints, ps:explain, ps:sleep (sleep.ts), deploy:batch: the instances (dynos) of an
 * app, its formation (how many of which size, where they may run) and how deploys roll.
 */
import type { FormationEntryView, GantryClient, InstanceView } from '@gantry/api-client';
import { SIZES } from '@gantry/core';
import type { Command } from 'commander';
import { CliError, checkProcessName, checkProcessType, parseBatch, parseConstraint, parseScaleArgs, parseSizeName, parseTypeArgs, formatConstraint, type FormationChanges } from '../args';
import { FORMATION_COLUMNS, constraintsText, formationLine, formationRow, hasMessage, instanceColumns, instanceRow, messageBlocks, scaleProgress, scaleSummary, sidecarRows, sortInstances, stateText } from '../cluster';
import { client, resolveApp, withApp } from '../context';
import { firstLine, humanBytes, print, printJson, printTable, waitFor, withSpinner, type Column } from '../output';
import { cpuText, memoryText, uptimeText } from './metrics';
import { register as registerSleep, sleepLines } from './sleep';

export const SCALE_WAIT_INTERVAL_MS = 1000;
export const SCALE_WAIT_TIMEOUT_MS = 120_000;

function printFormation(formation: readonly FormationEntryView[], app: string): void {
  if (formation.length === 0) return print(`${app} has no process types yet: push the app first (git push gantry main).`);
  printTable(FORMATION_COLUMNS, formation.map(formationRow));
}

/** Follows `ps` until every instance of the scaled types is up (exit 1 after 120 s). */
async function waitUntilUp(api: GantryClient, app: string, targets: Record<string, number>): Promise<void> {
  await waitFor(
    'Waiting for the instances to be up',
    async () => {
      const p = scaleProgress(await api.ps(app), targets);
      return { done: p.done, text: p.text, value: p };
    },
    {
      intervalMs: SCALE_WAIT_INTERVAL_MS,
      timeoutMs: SCALE_WAIT_TIMEOUT_MS,
      onTimeout: (p) => {
        const lines = p.notUp.map((i) => `${i.process}: ${stateText(i)}${firstLine(i.message) ? `: ${firstLine(i.message)}` : ''}`);
        const explain = p.notUp.find((i) => i.state === 'pending' || i.state === 'crashed' || i.state === 'unhealthy');
        return new CliError(
          [
            `Not every instance is up after ${SCALE_WAIT_TIMEOUT_MS / 1000} s (${p.text}).`,
            ...lines,
            `See \`gantry ps -a ${app}\`${explain ? ` and \`gantry ps:explain ${explain.process} -a ${app}\`` : ''}.`,
          ].join('\n'),
        );
      },
    },
  );
}

const USAGE_COLUMNS: Column[] = [{ header: 'Uptime' }, { header: 'CPU' }, { header: 'Memory' }];

/** Uptime, CPU and memory (the agent's latest sample) go before the message column, if any. */
function withUsageColumns(cols: Column[], withMessage: boolean): Column[] {
  const at = withMessage ? cols.length - 1 : cols.length;
  return [...cols.slice(0, at), ...USAGE_COLUMNS, ...cols.slice(at)];
}

function withUsageCells(row: string[], i: InstanceView, withMessage: boolean): string[] {
  const at = withMessage ? row.length - 1 : row.length;
  return [...row.slice(0, at), uptimeText(i), cpuText(i), memoryText(i), ...row.slice(at)];
}

function withBlankUsage(row: string[], withMessage: boolean): string[] {
  const at = withMessage ? row.length - 1 : row.length;
  return [...row.slice(0, at), '', '', '', ...row.slice(at)];
}

export function register(program: Command): void {
  program.commandsGroup('Processes:');

  withApp(program.command('ps'))
    .description('list the instances of an app: state, release, host, address, uptime, CPU, memory')
    .option('-v, --verbose', 'show the full messages (a crash\'s last output lines, why an instance is pending)')
    .option('--json', 'output as JSON')
    .addHelpText(
      'after',
      `
States: pending (not placed yet), starting, up, unhealthy (fails its health check), crashed,
stopping, lost (its host is down). An instance's sidecars (app.json "sidecars") follow it as
web.1/<name>: running or restarting, with their restart count. Crashed, unhealthy and pending instances show the first line
of why; -v shows all of it. Uptime, CPU and memory (used / limit) are what the host's agent
last sampled (every 10 s); gantry metrics adds request rates and latency.

Examples:
  $ gantry ps -a my-app
  $ gantry ps -v
  $ gantry ps --json | jq -r '.[] | select(.state != "up") | .process'`,
    )
    .action(async (opts: { app?: string; json?: boolean; verbose?: boolean }) => {
      const app = await resolveApp(opts.app);
      const api = client();
      const [instances, formation] = await Promise.all([api.ps(app), opts.json ? [] : api.formation(app)]);
      if (opts.json) return printJson(instances);
      const sleeping = sleepLines(formation);
      if (instances.length === 0) {
        if (sleeping.length) return sleeping.forEach((line) => print(line));
        return print(`No instances of ${app} (push the app or scale it: gantry ps:scale web=1)`);
      }
      const sorted = sortInstances(instances);
      const withMessage = sorted.some(hasMessage);
      const now = Date.now();
      printTable(
        withUsageColumns(instanceColumns(withMessage), withMessage),
        sorted.flatMap((i) => [
          withUsageCells(instanceRow(i, now).slice(0, withMessage ? undefined : -1), i, withMessage),
          // Its sidecars under it: state and restarts (their usage counts in the instance's size).
          ...sidecarRows(i, now).map((row) => withBlankUsage(row.slice(0, withMessage ? undefined : -1), withMessage)),
        ]),
      );
      if (opts.verbose) for (const line of messageBlocks(sorted)) print(line);
      for (const line of sleeping) print(line);
    });

  withApp(program.command('ps:scale'))
    .alias('scale')
    .argument('[TYPE=N...]', 'quantities, e.g. web=3 worker=1; web=2:standard-2x also sets the size')
    .description('set how many instances of each process type run (and optionally their size)')
    .option('--wait', `wait until every instance of the scaled types is up (up to ${SCALE_WAIT_TIMEOUT_MS / 1000} s)`)
    .addHelpText(
      'after',
      `
Without arguments, prints the formation as TYPE=N:SIZE. Quantities are whole numbers from 0 to
100; sizes: ${SIZES.map((s) => s.name).join(', ')} (case-insensitive). A type scaled here keeps
its quantity over app.json "formation" on later deploys. "release" runs once per release (the
release phase) and cannot be scaled.

Examples:
  $ gantry ps:scale web=3 -a my-app
  $ gantry ps:scale web=2:standard-2x worker=1
  $ gantry ps:scale worker=0
  $ gantry ps:scale web=4 --wait`,
    )
    .action(async (args: string[], opts: { app?: string; wait?: boolean }) => {
      const changes = parseScaleArgs(args);
      const app = await resolveApp(opts.app);
      const api = client();
      if (args.length === 0) {
        if (opts.wait) throw new CliError('Nothing to wait for: name what to scale, e.g. gantry ps:scale web=2 --wait.');
        const formation = await api.formation(app);
        return print(formation.length ? formationLine(formation) : `${app} has no process types yet: push the app first (git push gantry main).`);
      }
      const types = Object.keys(changes);
      const formation = await withSpinner(
        'Scaling dynos',
        () => api.updateFormation(app, changes),
        (f) => `done, now running ${scaleSummary(f, types)}`,
      );
      if (opts.wait) {
        await waitUntilUp(api, app, Object.fromEntries(types.map((t) => [t, formation.find((f) => f.type === t)?.quantity ?? changes[t]!.quantity!])));
      }
    });

  withApp(program.command('ps:type'))
    .argument('[TYPE=SIZE...]', 'sizes, e.g. web=standard-2x; or one SIZE for every process type')
    .description('show the formation, or set the instance size of process types')
    .addHelpText(
      'after',
      `
Sizes: ${SIZES.map((s) => `${s.name} (${humanBytes(s.memoryBytes)})`).join(', ')}. Names are
case-insensitive. Without arguments, prints the formation: type, quantity, size, constraints,
command.

Examples:
  $ gantry ps:type -a my-app
  $ gantry ps:type web=standard-2x worker=basic
  $ gantry ps:type performance-m          # every process type`,
    )
    .action(async (args: string[], opts: { app?: string }) => {
      const single = args.length === 1 && !args[0]!.includes('=') ? parseSizeName(args[0]!) : undefined;
      const given: FormationChanges = single ? {} : parseTypeArgs(args);
      const app = await resolveApp(opts.app);
      const api = client();
      if (args.length === 0) return printFormation(await api.formation(app), app);
      let changes = given;
      if (single) {
        const current = await api.formation(app);
        if (current.length === 0) throw new CliError(`${app} has no process types yet: push the app first (git push gantry main).`);
        changes = Object.fromEntries(current.map((f) => [f.type, { size: single }]));
      }
      const formation = await withSpinner(`Changing the size of ${Object.keys(changes).join(', ')}`, () => api.updateFormation(app, changes));
      printFormation(formation, app);
    });

  withApp(program.command('ps:constraints'))
    .argument('<TYPE>', 'process type, e.g. web')
    .argument('[CONSTRAINT...]', 'label=value (must have) or label!=value (must not have)')
    .description('show or set which hosts a process type may run on (by host labels)')
    .option('--clear', 'remove every constraint: run on any host')
    .addHelpText(
      'after',
      `
Instances of the type run only on hosts whose labels match every constraint (see \`gantry hosts\`
for the labels). The constraints given replace the current ones; without any, prints them.

Examples:
  $ gantry ps:constraints web -a my-app
  $ gantry ps:constraints web region=eu disk!=hdd
  $ gantry ps:constraints worker --clear`,
    )
    .action(async (type: string, args: string[], opts: { app?: string; clear?: boolean }) => {
      checkProcessType(type);
      const constraints = args.map(parseConstraint);
      if (opts.clear && constraints.length) throw new CliError('Give constraints or --clear, not both.');
      const app = await resolveApp(opts.app);
      const api = client();
      let formation: FormationEntryView[];
      if (!opts.clear && constraints.length === 0) {
        formation = await api.formation(app);
      } else {
        const label = opts.clear ? `Clearing the constraints of ${type}` : `Setting the constraints of ${type}`;
        formation = await withSpinner(label, () => api.setConstraints(app, type, constraints.map(formatConstraint)));
      }
      const entry = formation.find((f) => f.type === type);
      if (!entry) {
        const have = formation.map((f) => f.type).join(', ') || 'none yet (push the app first)';
        throw new CliError(`No process type ${type} in ${app}. Process types: ${have}.`);
      }
      print(entry.constraints.length ? `${type}: ${constraintsText(entry)}` : `${type} has no constraints: it may run on any host.`);
    });

  withApp(program.command('ps:explain'))
    .argument('<PROCESS>', 'an instance, e.g. web.2')
    .description('explain why an instance runs where it runs, or why it could not be placed')
    .option('--json', 'output the whole placement report as JSON')
    .addHelpText(
      'after',
      `
Prints every host the scheduler considered: the filters that rejected it (memory, constraints,
draining...) and the scores of the others.

Examples:
  $ gantry ps:explain web.2 -a my-app
  $ gantry ps:explain worker.1 --json`,
    )
    .action(async (proc: string, opts: { app?: string; json?: boolean }) => {
      checkProcessName(proc);
      const app = await resolveApp(opts.app);
      const view = await client().explain(app, proc);
      if (opts.json) return printJson(view);
      for (const line of view.lines) print(line);
    });

  registerSleep(program);

  program.commandsGroup('Deploys:');

  withApp(program.command('deploy:batch'))
    .argument('<N|all>', 'instances replaced at a time (1-100), or "all" for all at once')
    .description('set how many instances a deploy replaces at a time')
    .addHelpText(
      'after',
      `
A deploy starts N new instances, switches traffic to them once they are all up, stops the old
ones, and goes on with the next N. "all" replaces every instance in one step (the default).

Examples:
  $ gantry deploy:batch 2 -a my-app
  $ gantry deploy:batch all`,
    )
    .action(async (input: string, opts: { app?: string }) => {
      const batch = parseBatch(input);
      const app = await resolveApp(opts.app);
      const out = await client().setDeployBatch(app, batch);
      print(
        out.batch === null
          ? `Deploys of ${app} replace all instances at once.`
          : `Deploys of ${app} replace ${out.batch} instance${out.batch === 1 ? '' : 's'} at a time.`,
      );
    });
}
