/**
 * `--compare <git rev>`: the router as it was at that revision, run next to the current one in the
 * same rounds (same machine, same minute), so that a change is measured side by side with what it
 * changes. Its apps/router is extracted from git under .gantry/ (ignored by git), where it still
 * resolves the workspace packages (@gantry/*) of this checkout.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@gantry/config';

const run = promisify(execFile);

/** Extracts apps/router of `rev`; returns its main.ts and a function that removes the copy. */
export async function routerAt(rev: string): Promise<{ entry: string; commit: string; remove: () => Promise<void> }> {
  const commit = (await run('git', ['rev-parse', '--short', rev], { cwd: REPO_ROOT })).stdout.trim();
  const dir = join(REPO_ROOT, '.gantry', `bench-router-${commit}-${process.pid}`);
  await mkdir(dir, { recursive: true });
  await run('bash', ['-c', `git archive ${commit} apps/router | tar -x -C '${dir}'`], { cwd: REPO_ROOT });
  return { entry: join(dir, 'apps/router/src/main.ts'), commit, remove: () => rm(dir, { recursive: true, force: true }) };
}
