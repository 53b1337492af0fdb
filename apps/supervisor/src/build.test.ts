import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@gantry/config';
import { ensureServicesBuild } from './build';
import { BUNDLES, programArgv, PRODUCTION_NODE_FLAGS } from './services';

// Inside the checkout, as the real build (third-party packages resolve from its node_modules).
const parent = mkdtempSync(join(REPO_ROOT, '.gantry', 'build-test-'));
const dist = join(parent, 'dist');
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('the services build', () => {
  it('bundles every program once, then only again when an input changed', async () => {
    expect((await ensureServicesBuild(dist)).built).toBe(true);
    for (const b of Object.keys(BUNDLES)) expect(readFileSync(join(dist, `${b}.mjs`), 'utf8').length).toBeGreaterThan(1000);
    expect((await ensureServicesBuild(dist)).built).toBe(false);

    const manifest = join(dist, 'build.json');
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { inputs: Record<string, string> };
    expect(m.inputs['apps/git/src/start.ts']).toMatch(/^[0-9a-f]{64}$/);
    expect(m.inputs['package-lock.json']).toMatch(/^[0-9a-f]{64}$/);
    m.inputs['apps/git/src/start.ts'] = '0'.repeat(64); // as if the source had changed since
    writeFileSync(manifest, JSON.stringify(m));
    expect((await ensureServicesBuild(dist)).built).toBe(true);
  });

  it('keeps import.meta.url meaning the source file (paths from it stay right)', () => {
    const front = readFileSync(join(dist, 'front.mjs'), 'utf8');
    expect(front).toContain(JSON.stringify(pathToFileURL(join(REPO_ROOT, 'apps/git/src/start.ts')).href));
    expect(front).toContain(JSON.stringify(pathToFileURL(join(REPO_ROOT, 'packages/config/src/index.ts')).href));
    // Only the banner's own createRequire still reads the bundle's URL.
    expect(front.match(/import\.meta\.url/g)).toHaveLength(1);
  });

  it('runs compiled bundles with the production flags, and TypeScript through tsx without a build', () => {
    expect(programArgv('/r', 'router', '/d')).toEqual([process.execPath, ...PRODUCTION_NODE_FLAGS, '/d/router.mjs']);
    expect(programArgv('/r', 'router', '/d', [])).toEqual([process.execPath, '/d/router.mjs']);
    expect(programArgv('/r', 'agent', undefined)).toEqual([process.execPath, '--import', 'tsx', '/r/apps/agent/src/main.ts']);
  });
});
