/** The dashboard's production build (next build), redone only when its sources change. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@gantry/config';

const run = promisify(execFile);
const WEB = join(REPO_ROOT, 'apps/web');

function hashTree(h: ReturnType<typeof createHash>, dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) hashTree(h, p);
    else h.update(p).update(readFileSync(p));
  }
}

export function dashboardDigest(): string {
  const h = createHash('sha256');
  hashTree(h, join(WEB, 'app'));
  for (const f of ['next.config.mjs', 'package.json', 'tsconfig.json']) h.update(readFileSync(join(WEB, f)));
  h.update(readFileSync(join(REPO_ROOT, 'package-lock.json')));
  return h.digest('hex').slice(0, 16);
}

export async function ensureDashboardBuild(): Promise<'current' | 'built'> {
  const stamp = join(WEB, '.next', 'gantry-build.sha');
  const digest = dashboardDigest();
  if (existsSync(join(WEB, '.next', 'BUILD_ID')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return 'current';
  await run(process.execPath, [join(REPO_ROOT, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: WEB,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    maxBuffer: 32 * 1024 * 1024,
  });
  writeFileSync(stamp, digest);
  return 'built';
}
