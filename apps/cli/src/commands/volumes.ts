/**
 * volumes, volumes:create, volumes:mount, volumes:unmount, volumes:move, volumes:destroy: named Docker volumes
 * of a team, each on one host; the process type that mounts one is placed on that host.
 */
import type { MoveView, VolumeView } from '@gantry/api-client';
import type { Command } from 'commander';
import { checkHostName, checkProcessType } from '../args';
import { checkMountPath, checkVolumeName } from '../addon-args';
import { confirmLoss } from '../confirm';
import { client, resolveApp, withApp } from '../context';
import { ago, humanBytes, info, printJson, printTable, withSpinner } from '../output';

/** "shop web:/app/data", or "-" when not mounted. */
export function mountedAs(v: VolumeView): string {
  return v.app ? `${v.app} ${v.processType ?? '?'}:${v.mountPath ?? '?'}` : '-';
}

/** Where it lives: "node-1", "node-1 -> node-2 (moving)", or "on first use". */
export function hostOf(v: Pick<VolumeView, 'host' | 'movingTo'>): string {
  if (v.movingTo) return `${v.host ?? '?'} -> ${v.movingTo} (moving)`;
  return v.host ?? 'on first use';
}

/** "Moved uploads from a to b: 12 files, 3.4 MB; its users were stopped for 4.2s (copy 1.1s)." */
export function moveSummary(m: MoveView): string {
  const what = m.method === 'replication' ? 'a standby caught up by streaming replication, then took over' : `${m.files} files, ${humanBytes(m.bytes)}`;
  return `Moved ${m.name} from ${m.from} to ${m.to}: ${what}; its users were stopped for ${(m.stoppedMs / 1000).toFixed(1)}s${m.method === 'copy' ? ` (copy ${(m.copyMs / 1000).toFixed(1)}s)` : ''}, and start on ${m.to} now.`;
}

export function register(program: Command): void {
  program.commandsGroup('Volumes:');

  withApp(program.command('volumes'))
    .description('list the app\'s volumes (--all: every volume of your teams)')
    .option('--all', 'every volume of your teams')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry volumes -a shop\n  $ gantry volumes --all')
    .action(async (opts: { app?: string; all?: boolean; json?: boolean }) => {
      const api = client();
      let app: string | undefined;
      if (!opts.all) app = await resolveApp(opts.app).catch((e: unknown) => (opts.app === undefined ? undefined : Promise.reject(e)));
      const volumes = app ? await api.volumes(app) : await api.allVolumes();
      if (opts.json) return printJson(volumes);
      if (volumes.length === 0) return info(app ? `${app} has no volumes. Create one: gantry volumes:create data -a ${app}` : 'Your teams have no volumes.');
      printTable(
        [{ header: 'Name' }, { header: 'Host' }, { header: 'Mounted by', shrink: true }, { header: 'Add-on' }, { header: 'Created' }],
        volumes.map((v) => [v.name, hostOf(v), mountedAs(v), v.addon ?? '-', ago(v.createdAt)]),
      );
    });

  withApp(program.command('volumes:create'))
    .argument('<name>', 'the volume\'s name (lowercase letters, digits, dashes; 3-30)')
    .description('create a volume on one host (the scheduler picks it unless --host is given)')
    .option('--host <host>', 'the host to create it on')
    .addHelpText('after', '\nMount it with volumes:mount; the process type is then placed on the volume\'s host.\n\nExamples:\n  $ gantry volumes:create uploads -a shop\n  $ gantry volumes:create uploads --host node-2')
    .action(async (name: string, opts: { app?: string; host?: string }) => {
      checkVolumeName(name);
      const host = opts.host === undefined ? undefined : checkHostName(opts.host);
      const app = await resolveApp(opts.app);
      const api = client();
      const v = await withSpinner(`Creating the volume ${name} for ${app}`, () => api.createVolume(app, name, host), (x) => `done, on ${x.host}`);
      info(`Mount it: gantry volumes:mount ${v.name} /app/data --type worker -a ${app}`);
    });

  withApp(program.command('volumes:mount'))
    .argument('<name>', 'the volume\'s name')
    .argument('<path>', 'where it appears in the containers, e.g. /app/data')
    .description('mount a volume into a process type; its instances move to the volume\'s host')
    .requiredOption('--type <type>', 'the process type that mounts it (web, worker...)')
    .option('--concurrent', 'the app can run two releases\' writers at once during a deploy (default: the old ones stop first)')
    .addHelpText(
      'after',
      `
No new release is needed: the type's instances are placed again on the volume's host (ps:explain
says so). Without --concurrent, a deploy of that type stops the old writer before the new one
starts, so it has a short pause.

Examples:
  $ gantry volumes:mount uploads /app/data --type worker -a shop`,
    )
    .action(async (name: string, path: string, opts: { app?: string; type: string; concurrent?: boolean }) => {
      checkVolumeName(name);
      const mountPath = checkMountPath(path);
      const type = checkProcessType(opts.type);
      const app = await resolveApp(opts.app);
      const api = client();
      await withSpinner(`Mounting ${name} at ${mountPath} in ${app} ${type}`, () => api.mountVolume(name, { app, type, path: mountPath, ...(opts.concurrent ? { concurrent: true } : {}) }), (v) => `done, ${type} runs on ${v.host}`);
    });

  program
    .command('volumes:unmount')
    .argument('<name>', 'the volume\'s name')
    .description('unmount a volume from the process type that mounts it (its files stay)')
    .addHelpText('after', '\nExamples:\n  $ gantry volumes:unmount uploads')
    .action(async (name: string) => {
      checkVolumeName(name);
      await withSpinner(`Unmounting ${name}`, () => client().unmountVolume(name));
    });

  program
    .command('volumes:move')
    .argument('<name>', 'the volume\'s name')
    .requiredOption('--to <host>', 'the host to move it to')
    .description('move a volume and its files to another host (its users stop while the data is copied)')
    .addHelpText('after', '\nThe process type that mounts it stops, the files are copied and checked, and it starts on the new host.\nIf anything fails, the volume stays where it was and its users start there again.\n\nExamples:\n  $ gantry volumes:move uploads --to node-2')
    .action(async (name: string, opts: { to: string }) => {
      checkVolumeName(name);
      checkHostName(opts.to);
      const m = await withSpinner(`Moving ${name} to ${opts.to} (its users stop while the data is copied)`, () => client().moveVolume(name, opts.to));
      info(moveSummary(m));
    });

  program
    .command('volumes:destroy')
    .argument('<name>', 'the volume\'s name')
    .description('destroy a volume and its files (refused while mounted or holding an add-on)')
    .option('--confirm <name>', 'the volume\'s name, to confirm without a prompt')
    .addHelpText('after', '\nWithout --confirm, asks you to type the name (on a terminal) or refuses (exit 1).\n\nExamples:\n  $ gantry volumes:destroy uploads --confirm uploads')
    .action(async (name: string, opts: { confirm?: string }) => {
      checkVolumeName(name);
      await confirmLoss({ name, action: `destroy the volume ${name}`, lost: 'every file on it', given: opts.confirm });
      await withSpinner(`Destroying ${name}`, () => client().destroyVolume(name, name));
    });
}
