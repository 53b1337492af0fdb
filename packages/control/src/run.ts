/**
 * gantry run: what a one-off container of an app runs, checked and resolved here (access, the
 * current release, input); the edge that owns the Docker connection creates and attaches it.
 */
import { Conflict, InvalidInput, SIZES, assertConfigKey, assertConfigValue, configValueProblem, findSize } from '@gantry/core';
import { appFor } from './access';
import type { Actor, Ctx } from './context';

export interface RunInput {
  argv: string[];
  env: Record<string, string>;
  size?: string;
}

const MAX_ARGV_BYTES = 64 * 1024;

export function validateRunInput(input: RunInput): RunInput {
  if (!Array.isArray(input.argv) || input.argv.length === 0 || !input.argv.every((a) => typeof a === 'string')) {
    throw new InvalidInput('Give the command to run as a list of arguments, e.g. gantry run -- bash.');
  }
  if (input.argv[0] === '') throw new InvalidInput('The command to run is empty.');
  for (const [i, arg] of input.argv.entries()) {
    const problem = configValueProblem(arg);
    if (problem !== undefined) throw new InvalidInput(`Argument ${i + 1} of the command ${problem}: no program can receive it.`);
  }
  if (Buffer.byteLength(input.argv.join('\0')) > MAX_ARGV_BYTES) throw new InvalidInput(`The command is longer than ${MAX_ARGV_BYTES / 1024} KB.`);
  for (const [k, v] of Object.entries(input.env)) {
    assertConfigKey(k);
    if (typeof v !== 'string') throw new InvalidInput(`The value of ${k} must be a string.`);
    assertConfigValue(k, v);
  }
  if (input.size !== undefined && !findSize(input.size)) {
    throw new InvalidInput(`Unknown size ${JSON.stringify(input.size)}. Sizes: ${SIZES.map((s) => s.name).join(', ')}.`);
  }
  return input;
}

/** The app and its current release (image, config, launcher), or a clear error when it has none. */
export async function oneOffRelease(ctx: Ctx, actor: Actor, appName: string) {
  const app = await appFor(ctx, actor, appName, 'write');
  const release = app.currentReleaseId
    ? await ctx.db.release.findUnique({ where: { id: app.currentReleaseId }, include: { build: { select: { strategy: true } } } })
    : null;
  if (!release?.imageRef) throw new Conflict(`${app.name} has no release to run yet: deploy it first (git push gantry main).`);
  return {
    app,
    release: { id: release.id, version: release.version, imageRef: release.imageRef, config: release.config as Record<string, string> },
    launcher: release.build?.strategy === 'dockerfile' ? ('shell' as const) : ('buildpack' as const),
  };
}
