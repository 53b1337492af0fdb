/** settings, settings:set, settings:unset: installation settings (Gantry admins). */
import type { Command } from 'commander';
import { parseSettingAssignment, settingDefinition } from '@gantry/core';
import { CliError } from '../args';
import { client } from '../context';
import { heading, info, printFields, printJson } from '../output';

/** Checked before any network call, with the same definitions as the API. */
function checked<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

export function register(program: Command): void {
  program.commandsGroup('Installation settings (Gantry admins):');

  program
    .command('settings')
    .description('show the installation settings')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry settings\n  $ gantry settings --json')
    .action(async (opts: { json?: boolean }) => {
      const settings = await client().settings();
      if (opts.json) return printJson(settings);
      heading('Settings');
      printFields(settings.map((s) => [s.key, s.value || '(not set)']));
      for (const s of settings) info(`\n${s.key}: ${s.help}`);
    });

  program
    .command('settings:set')
    .argument('<key=value>', 'e.g. egress.allow=10.0.0.0/8,192.168.5.0/24')
    .description('change an installation setting (its whole value)')
    .addHelpText(
      'after',
      `
egress.allow lists the private ranges (CIDRs) that log drains and BUILDPACK_URL may reach, for
collectors inside the network. Every other destination must be a public address. Cloud metadata
addresses are never allowed; a Gantry host's own address only when named alone (10.0.0.2/32).

Examples:
  $ gantry settings:set egress.allow=10.0.0.0/8
  $ gantry settings:set egress.allow=10.0.0.0/8,fd00:1::/64`,
    )
    .action(async (assignment: string) => {
      const { key, value } = checked(() => parseSettingAssignment(assignment));
      const s = await client().setSetting(key, settingDefinition(key).format(value));
      info(`${s.key} is now ${s.value || '(not set)'}.`);
    });

  program
    .command('settings:unset')
    .argument('<key>', 'e.g. egress.allow')
    .description('reset an installation setting to its default')
    .addHelpText('after', '\nExamples:\n  $ gantry settings:unset egress.allow')
    .action(async (key: string) => {
      const def = checked(() => settingDefinition(key));
      await client().setSetting(def.key, '');
      info(`${def.key} is reset (not set).`);
    });
}
