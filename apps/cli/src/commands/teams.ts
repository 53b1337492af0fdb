/**
 * teams, teams:create, members (members:add/set/remove), invitations (invitations:accept/revoke),
 * authorizations (API tokens: create, revoke) and audit.
 */
import type { AuditEventView, RoleName } from '@gantry/api-client';
import type { Command } from 'commander';
import { CliError } from '../args';
import { client } from '../context';
import { ago, heading, info, print, printJson, printTable } from '../output';

const ROLES: readonly RoleName[] = ['owner', 'admin', 'member', 'viewer'];
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const TEAM = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;

export function checkRole(input: string): RoleName {
  const role = input.trim().toLowerCase();
  if (!(ROLES as readonly string[]).includes(role)) throw new CliError(`Unknown role ${JSON.stringify(input)}: use owner, admin, member (deploy, scale, config) or viewer (read only).`);
  return role as RoleName;
}

export function checkEmail(input: string): string {
  if (!EMAIL.test(input.trim())) throw new CliError(`${JSON.stringify(input)} is not an email address.`);
  return input.trim().toLowerCase();
}

export function checkTeamName(input: string): string {
  if (input !== 'personal' && !TEAM.test(input)) throw new CliError(`Invalid team name ${JSON.stringify(input)}: use 2 to 40 lowercase letters, digits and dashes.`);
  return input;
}

/** "30d", "30" (days) or "2w" -> days; an API token's lifetime. */
export function parseExpiresIn(input: string): number {
  const m = /^(\d{1,4})\s*(d|days?|w|weeks?)?$/i.exec(input.trim());
  const days = m ? Number(m[1]) * (m[2]?.toLowerCase().startsWith('w') ? 7 : 1) : NaN;
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new CliError(`Invalid --expires-in ${JSON.stringify(input)}: use a number of days such as 30d (1 to 3650), or 2w.`);
  return days;
}

/** An audit entry's details in one line: "set=A,B release=5". */
export function detailsLine(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

const teamOption = (cmd: Command) => cmd.option('-t, --team <team>', 'team name ("personal": your personal team)', 'personal');
const teamLabel = (t: string) => (t === 'personal' ? 'your personal team' : t);

export function register(program: Command): void {
  program.commandsGroup('Teams and access:');

  program
    .command('teams')
    .description('list the teams you belong to, with your role')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nRoles: owner, admin (members and settings), member (deploy, scale, config), viewer (read only).\n\nExamples:\n  $ gantry teams\n  $ gantry teams --json')
    .action(async (opts: { json?: boolean }) => {
      const teams = await client().teams();
      if (opts.json) return printJson(teams);
      printTable(
        [{ header: 'Team' }, { header: 'Role' }, { header: 'Members' }, { header: 'Apps' }],
        teams.map((t) => [t.personal ? `${t.name} (personal)` : t.name, t.role, String(t.members), String(t.apps)]),
      );
    });

  program
    .command('teams:create')
    .argument('<name>', 'team name: 2 to 40 lowercase letters, digits and dashes')
    .description('create a team; you are its owner')
    .addHelpText('after', '\nExamples:\n  $ gantry teams:create acme\n  $ gantry apps:create shop --team acme')
    .action(async (name: string) => {
      const team = await client().createTeam(checkTeamName(name));
      info(`Created team ${team.name}; you are its owner. Invite people with \`gantry members:add EMAIL --role member -t ${team.name}\`.`);
    });

  teamOption(program.command('members'))
    .description('list the members of a team and their roles')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry members -t acme\n  $ gantry members -t acme --json')
    .action(async (opts: { team: string; json?: boolean }) => {
      const members = await client().members(checkTeamName(opts.team));
      if (opts.json) return printJson(members);
      heading(`${teamLabel(opts.team)} Members`);
      printTable([{ header: 'Email', shrink: true }, { header: 'Role' }, { header: 'Since' }], members.map((m) => [m.email, m.role, ago(m.since)]));
    });

  teamOption(program.command('members:add'))
    .argument('<email>', 'who to invite')
    .requiredOption('-r, --role <role>', 'owner, admin, member or viewer')
    .option('--json', 'output the invitation as JSON')
    .description('invite someone to a team: prints a one-time link (7 days) they accept while logged in')
    .addHelpText(
      'after',
      `
Only owners and admins invite; only owners invite owners. The link works once, for that email only:
the invited user runs \`gantry invitations:accept LINK\` (or opens it in the dashboard).

Examples:
  $ gantry members:add bob@example.com --role member -t acme
  $ gantry members:add carol@example.com --role viewer -t acme`,
    )
    .action(async (email: string, opts: { team: string; role: string; json?: boolean }) => {
      const inv = await client().invite(checkTeamName(opts.team), checkRole(opts.role), checkEmail(email));
      if (opts.json) return printJson(inv);
      info(`Invited ${inv.email} to ${inv.team} as ${inv.role}. Send them this link (valid until ${inv.expiresAt.slice(0, 10)}, once):`);
      print(inv.url);
    });

  teamOption(program.command('members:set'))
    .argument('<email>', 'a member of the team')
    .requiredOption('-r, --role <role>', 'owner, admin, member or viewer')
    .description("change a member's role")
    .addHelpText('after', '\nOnly owners make or unmake owners, and a team keeps at least one owner.\n\nExamples:\n  $ gantry members:set bob@example.com --role admin -t acme')
    .action(async (email: string, opts: { team: string; role: string }) => {
      const m = await client().setMemberRole(checkTeamName(opts.team), checkEmail(email), checkRole(opts.role));
      info(`${m.email} is now ${m.role} of ${teamLabel(opts.team)}.`);
    });

  teamOption(program.command('members:remove'))
    .argument('<email>', 'a member of the team (yourself: leave it)')
    .description("remove a member: their access to the team's apps ends at once (API, git, logs)")
    .addHelpText('after', '\nExamples:\n  $ gantry members:remove bob@example.com -t acme')
    .action(async (email: string, opts: { team: string }) => {
      const address = checkEmail(email);
      await client().removeMember(checkTeamName(opts.team), address);
      info(`Removed ${address} from ${teamLabel(opts.team)}.`);
    });

  teamOption(program.command('invitations'))
    .description("list a team's open invitations")
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry invitations -t acme')
    .action(async (opts: { team: string; json?: boolean }) => {
      const list = await client().invitations(checkTeamName(opts.team));
      if (opts.json) return printJson(list);
      if (list.length === 0) return info(`${teamLabel(opts.team)} has no open invitations.`);
      printTable([{ header: 'ID' }, { header: 'Email' }, { header: 'Role' }, { header: 'Expires' }], list.map((i) => [i.id, i.email ?? '(anyone with the link)', i.role, i.expiresAt.slice(0, 10)]));
    });

  teamOption(program.command('invitations:revoke'))
    .argument('<id>', 'the invitation id, from `gantry invitations`')
    .description('revoke an invitation: its link stops working')
    .addHelpText('after', '\nExamples:\n  $ gantry invitations:revoke 0193c5d2-7a1e-7c3b-9f00-1a2b3c4d5e6f -t acme')
    .action(async (id: string, opts: { team: string }) => {
      await client().revokeInvitation(checkTeamName(opts.team), id);
      info(`Revoked the invitation ${id}.`);
    });

  program
    .command('invitations:accept')
    .argument('<link>', 'the invitation link (or its token)')
    .description('join a team with an invitation link')
    .addHelpText('after', '\nExamples:\n  $ gantry invitations:accept http://gantry.example.com:3000/invitations/gty_...')
    .action(async (link: string) => {
      const token = link.trim().replace(/^.*\/invitations\//, '');
      if (!/^gty_[A-Za-z0-9_-]{43}$/.test(token)) throw new CliError('That is not an invitation link: it ends in /invitations/gty_...');
      const out = await client().acceptInvitation(token);
      info(`You joined ${out.team} as ${out.role}.`);
    });

  program
    .command('authorizations')
    .description('list your API tokens (never their secrets)')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nThe token this CLI uses is marked with *.\n\nExamples:\n  $ gantry authorizations\n  $ gantry authorizations --json')
    .action(async (opts: { json?: boolean }) => {
      const tokens = await client().tokens();
      if (opts.json) return printJson(tokens);
      const now = Date.now();
      printTable(
        [{ header: 'ID' }, { header: 'Name', shrink: true }, { header: 'Created' }, { header: 'Last used' }, { header: 'Expires' }],
        tokens.map((t) => [
          t.id + (t.current ? ' *' : ''),
          t.name,
          ago(t.createdAt),
          t.lastUsedAt ? ago(t.lastUsedAt) : 'never',
          t.expiresAt ? (Date.parse(t.expiresAt) <= now ? 'expired' : t.expiresAt.slice(0, 10)) : 'never',
        ]),
      );
    });

  program
    .command('authorizations:create')
    .requiredOption('-n, --name <name>', 'what the token is for')
    .option('--expires-in <days>', 'lifetime: 30d, 2w or a number of days (default: never expires)')
    .option('--json', 'output as JSON')
    .description('create an API token for scripts and CI; prints it once')
    .addHelpText('after', '\nUse it as GANTRY_TOKEN=... or as the password of the git remote.\n\nExamples:\n  $ gantry authorizations:create --name ci --expires-in 30d\n  $ GANTRY_TOKEN=$(gantry authorizations:create --name deploy-bot) gantry apps')
    .action(async (opts: { name: string; expiresIn?: string; json?: boolean }) => {
      const name = opts.name.trim();
      if (!name || name.length > 100) throw new CliError('--name must be 1 to 100 characters.');
      const days = opts.expiresIn !== undefined ? parseExpiresIn(opts.expiresIn) : undefined;
      const t = await client().createToken(name, days);
      if (opts.json) return printJson(t);
      info(`Created token ${t.id} "${t.name}"${t.expiresAt ? `, expires ${t.expiresAt.slice(0, 10)}` : ', never expires'}. It is shown only now:`);
      print(t.token);
    });

  program
    .command('authorizations:revoke')
    .argument('<id>', 'the token id, from `gantry authorizations`')
    .description('revoke an API token: it stops working at once')
    .addHelpText('after', '\nExamples:\n  $ gantry authorizations:revoke 0193c5d2-7a1e-7c3b-9f00-1a2b3c4d5e6f')
    .action(async (id: string) => {
      await client().revokeToken(id.trim());
      info(`Revoked the token ${id.trim()}.`);
    });

  teamOption(program.command('audit'))
    .description("a team's audit log: deploys, scaling, config keys (never values), domains, members (owners and admins)")
    .option('-n, --num <n>', 'how many events, newest first (1-500)', '50')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExamples:\n  $ gantry audit -t acme\n  $ gantry audit -t acme -n 200 --json')
    .action(async (opts: { team: string; num: string; json?: boolean }) => {
      const n = Number(opts.num);
      if (!Number.isInteger(n) || n < 1 || n > 500) throw new CliError('--num must be a whole number from 1 to 500.');
      const events: AuditEventView[] = await client().audit(checkTeamName(opts.team), n);
      if (opts.json) return printJson(events);
      if (events.length === 0) return info(`Nothing recorded for ${teamLabel(opts.team)} yet.`);
      printTable(
        [{ header: 'Time' }, { header: 'Who', shrink: true }, { header: 'Action' }, { header: 'App' }, { header: 'Target', shrink: true }, { header: 'Details', shrink: true }],
        events.map((e) => [e.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), e.actor ?? 'gantry', e.action, e.app ?? '', e.target, detailsLine(e.details)]),
      );
    });
}
