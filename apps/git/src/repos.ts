import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The hook mostly waits and copies lines: Node's lean flags (as gantryd's, apps/supervisor/src/services.ts). */
const HOOK_NODE_FLAGS = '--max-semi-space-size=1 --no-opt --max-lazy';

/**
 * The bare repositories, one per app, named by app id (renames need no moves):
 * <reposDir>/<appId>.git, HEAD on main, with Gantry's pre-receive hook installed.
 */
export class Repos {
  constructor(
    readonly dir: string,
    private readonly hookScript: string,
    private readonly nodeBinary = process.execPath,
  ) {}

  pathOf(appId: string): string {
    return join(this.dir, `${appId}.git`);
  }

  /** Creates the repository if needed and (re)installs the hook when it differs. */
  async ensure(appId: string): Promise<string> {
    const path = this.pathOf(appId);
    if (!existsSync(join(path, 'HEAD'))) {
      await mkdir(this.dir, { recursive: true });
      await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', path]);
      // Pushed objects must be complete and the refs updated only after the hook said yes.
      await run('git', ['-C', path, 'config', 'receive.fsckObjects', 'true']);
      await run('git', ['-C', path, 'config', 'http.receivepack', 'true']);
    }
    const hookPath = join(path, 'hooks', 'pre-receive');
    const want = `#!/bin/sh\n# Installed by Gantry: hands the pushed commit to a build and relays its output.\nexec '${this.nodeBinary}' ${HOOK_NODE_FLAGS} '${this.hookScript}'\n`;
    const have = await readFile(hookPath, 'utf8').catch(() => '');
    if (have !== want) {
      await mkdir(join(path, 'hooks'), { recursive: true });
      await writeFile(hookPath, want);
      await chmod(hookPath, 0o755);
    }
    return path;
  }

  async remove(appId: string): Promise<void> {
    await rm(this.pathOf(appId), { recursive: true, force: true });
  }

  /** App id from a repository path (as the hook reports it). */
  static appIdOf(repoPath: string): string | null {
    const m = /([0-9a-f-]{36})\.git\/?$/.exec(repoPath);
    return m ? m[1]! : null;
  }
}
