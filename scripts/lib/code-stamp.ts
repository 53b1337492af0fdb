import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { REPO_ROOT } from '@gantry/config';

/** Identifies the code the services run (commit + uncommitted changes), to restart on change. */
export function codeStamp(): string {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
    } catch {
      return '';
    }
  };
  return createHash('sha256')
    .update(git(['rev-parse', 'HEAD']))
    .update(git(['diff', 'HEAD']))
    .update(git(['status', '--porcelain']))
    .digest('hex')
    .slice(0, 16);
}
