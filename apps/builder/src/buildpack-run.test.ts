import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileArgv, RUN_SCRIPT, scriptArgv, STAGE_SCRIPT, stageArgv, staged } from './buildpack-run';

const bps = staged([
  { name: 'nodejs', entry: 'heroku/nodejs', dir: '/buildpacks/nodejs', hostDir: '/x/nodejs', builtin: true },
  { name: 'tools', entry: 'https://git.example.com/tools.git', dir: '/buildpack-custom/2', hostDir: '/tmp/a', builtin: false },
  { name: 'static', entry: 'static', dir: '/buildpacks/static', hostDir: '/x/static', builtin: true },
]);

describe('buildpack argv', () => {
  it('stages the built-in tree once and each fetched buildpack apart, as data', () => {
    expect(bps.map((b) => b.staged)).toEqual(['/tmp/buildpacks/builtin/nodejs', '/tmp/buildpacks/2-tools', '/tmp/buildpacks/builtin/static']);
    expect(stageArgv(bps, '/buildpacks')).toEqual([
      'bash', '-c', STAGE_SCRIPT, 'gantry-stage',
      '/buildpacks', '/tmp/buildpacks/builtin', '/buildpack-custom/2', '/tmp/buildpacks/2-tools',
      '--', '/cache/nodejs', '/cache/tools', '/cache/static',
    ]);
  });

  it('compiles with BUILD_DIR CACHE_DIR ENV_DIR after the exports of the buildpacks before', () => {
    expect(compileArgv(bps[2]!, bps.slice(0, 2))).toEqual([
      'bash', '-c', RUN_SCRIPT, 'gantry-buildpack', '/tmp/buildpacks/builtin/static', 'compile',
      '2', '/tmp/buildpacks/builtin/nodejs/export', '/tmp/buildpacks/2-tools/export',
      '/app', '/cache/static', '/tmp/env',
    ]);
    expect(scriptArgv(bps[1]!, 'release')).toEqual(['bash', '-c', RUN_SCRIPT, 'gantry-buildpack', '/tmp/buildpacks/2-tools', 'release', '0', '/app']);
  });
});

// The two scripts themselves, run by the real bash on files with the modes third-party buildpacks have.
describe('buildpack scripts under bash', () => {
  const root = mkdtempSync(join(tmpdir(), 'gantry-bp-run-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('stages copies whose bin/* run although committed 0644, with or without a shebang', () => {
    const src = join(root, 'src');
    mkdirSync(join(src, 'bin'), { recursive: true });
    writeFileSync(join(src, 'bin', 'compile'), '#!/bin/sh\necho "cwd=$(pwd) args=$*"\n[ -f "$3/GREETING" ] && echo "env=$(cat "$3/GREETING")"\necho "tool=$TOOL_HOME"\necho "export TOOL_HOME=/opt/tool" > export\n');
    writeFileSync(join(src, 'bin', 'detect'), 'echo "No Shebang"\n'); // no #!: bash runs it as a script
    chmodSync(join(src, 'bin', 'compile'), 0o644);
    chmodSync(join(src, 'bin', 'detect'), 0o644);
    const copy = join(root, 'stage', '1-x');
    const cache = join(root, 'cache', 'x');
    execFileSync('bash', ['-c', STAGE_SCRIPT, 'gantry-stage', src, copy, '--', cache]);
    expect(spawnSync('test', ['-d', cache]).status).toBe(0);

    const env = join(root, 'env');
    mkdirSync(env);
    writeFileSync(join(env, 'GREETING'), 'hi there');
    const earlier = join(root, 'earlier-export');
    writeFileSync(earlier, 'export TOOL_HOME=/from/earlier\n');
    const out = execFileSync('bash', ['-c', RUN_SCRIPT, 'gantry-buildpack', copy, 'compile', '2', earlier, join(root, 'missing-export'), '/build', cache, env]).toString();
    expect(out.split('\n')).toEqual([`cwd=${copy} args=/build ${cache} ${env}`, 'env=hi there', 'tool=/from/earlier', '']);
    expect(readFileSync(join(copy, 'export'), 'utf8')).toBe('export TOOL_HOME=/opt/tool\n');
    expect(execFileSync('bash', ['-c', RUN_SCRIPT, 'gantry-buildpack', copy, 'detect', '0', '/build']).toString()).toBe('No Shebang\n');
  });

  it('passes a failing script\'s exit code through', () => {
    const dir = join(root, 'failing');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'bin', 'compile'), '#!/bin/bash\nexit 7\n', { mode: 0o755 });
    expect(spawnSync('bash', ['-c', RUN_SCRIPT, 'gantry-buildpack', dir, 'compile', '0', '/b', '/c', '/e']).status).toBe(7);
  });
});
