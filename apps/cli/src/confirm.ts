/**
 * Confirmation of a command that loses data (addons:destroy, volumes:destroy, pg:backups:restore):
 * --confirm NAME must be the object's name; without it the user types the name on a terminal, and
 * anywhere else the command refuses, saying what would be lost and how to proceed.
 */
import { CliError } from './args';
import { warn } from './output';
import { ask, stdinIsTTY } from './prompt';

export interface Confirmation {
  /** The name to type: the add-on's or volume's. */
  name: string;
  /** "destroy the add-on postgres-shiny-1234", for the messages. */
  action: string;
  /** What is lost, e.g. "its data and DATABASE_URL of shop and admin". */
  lost: string;
  /** --confirm as given (undefined: not given). */
  given: string | undefined;
}

export interface Terminal {
  interactive: boolean;
  ask: (question: string) => Promise<string>;
  warn: (message: string) => void;
}

const realTerminal = (): Terminal => ({ interactive: stdinIsTTY() && Boolean(process.stderr.isTTY), ask, warn });

/** Resolves when confirmed; throws a CliError (exit 1) naming what would be lost otherwise. */
export async function confirmLoss(c: Confirmation, term: Terminal = realTerminal()): Promise<void> {
  if (c.given !== undefined) {
    if (c.given !== c.name) throw new CliError(`--confirm ${c.given} does not match ${c.name}; nothing was done.`);
    return;
  }
  if (term.interactive) {
    term.warn(`This will ${c.action}: ${c.lost}.\nType ${c.name} to proceed, or re-run with --confirm ${c.name}.`);
    const typed = await term.ask('> ');
    if (typed !== c.name) throw new CliError(`Confirmation did not match ${c.name}; nothing was done.`);
    return;
  }
  throw new CliError(`This would ${c.action}: ${c.lost}.\nTo proceed, re-run with --confirm ${c.name}`);
}
