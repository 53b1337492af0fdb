/**
 * Deploy benchmark, one run, side by side on this machine:
 *   - Gantry: git push of the Node/Express fixture to the first 200 through the router, cold
 *     (new app, empty build cache) and warm (a code change, median of 3);
 *   - plain Docker: `docker build` + `docker run` of an equivalent Dockerfile (same Node and npm
 *     versions, npm ci), cold (--no-cache) and warm (layer cache, same code change);
 *   - the release phase's cost: warm pushes again with a Procfile `release:` command that does
 *     nothing (`node -e 0`), beside the warm pushes without one.
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@gantry/config';
import { startIsolatedGantry } from '@gantry/installer';
import { benchUser, commitFile, fixtureRepo, GIT_ENV, median, printRows, remote as remoteOf, runBench, secs } from './common';
import { firstOk } from './http';
import { buildAndRun, equivalentDockerfile, removePlain, writeDockerfile } from './plain-docker';

const WARM_RUNS = 3;
const commitVersion = (dir: string, version: string) => commitFile(dir, 'version.txt', `${version}\n`);

/** git push, timed from its start to the first 200 serving `version`; also returns the push output. */
async function timedPush(dir: string, remote: string, routerPort: number, host: string, version: string): Promise<{ ms: number; output: string }> {
  const t0 = Date.now();
  const child = spawn('git', ['push', remote, 'main'], { cwd: dir, env: GIT_ENV });
  let output = '';
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? 1)));
  await Promise.race([firstOk(routerPort, host, `"version":"${version}"`, 300_000), exited.then((code) => code !== 0 && Promise.reject(new Error(`push failed:\n${output}`)))]);
  const ms = Date.now() - t0;
  if ((await exited) !== 0) throw new Error(`push failed:\n${output}`);
  return { ms, output };
}

async function main(): Promise<void> {
  console.log('Starting an isolated Gantry (instance "bench")...');
  const gantry = await startIsolatedGantry('bench', 20_000);
  const { config } = gantry;
  const work = await mkdtemp(join(tmpdir(), 'gantry-bench-'));
  const plainTags = ['gantry-bench-plain:cold', 'gantry-bench-plain:warm'];
  try {
    const { token, client } = await benchUser(config);
    await client.createApp('bench-node');
    const host = `bench-node.${config.GANTRY_APPS_DOMAIN}`;
    const remote = remoteOf(config, 'bench-node', token);

    const repo = await fixtureRepo('node-app', join(work, 'gantry-app'));
    await commitVersion(repo, 'cold');

    console.log('Gantry: cold push...');
    const cold = await timedPush(repo, remote, config.GANTRY_ROUTER_PORT, host, 'cold');
    const resolved = /Resolved Node\.js (\S+) and npm (\S+)/.exec(cold.output);
    if (!resolved) throw new Error(`could not find the resolved versions in the push output:\n${cold.output}`);
    const warm: number[] = [];
    for (let i = 1; i <= WARM_RUNS; i++) {
      console.log(`Gantry: warm push ${i}/${WARM_RUNS}...`);
      await commitVersion(repo, `warm${i}`);
      warm.push((await timedPush(repo, remote, config.GANTRY_ROUTER_PORT, host, `warm${i}`)).ms);
    }

    await writeFile(join(repo, 'Procfile'), 'web: node index.js\nrelease: node -e 0\n');
    const withRelease: number[] = [];
    const phase: number[] = [];
    for (let i = 1; i <= WARM_RUNS; i++) {
      console.log(`Gantry: warm push with a release command ${i}/${WARM_RUNS}...`);
      await commitVersion(repo, `release${i}`);
      const pushed = await timedPush(repo, remote, config.GANTRY_ROUTER_PORT, host, `release${i}`);
      withRelease.push(pushed.ms);
      const took = /Release command done in ([\d.]+)s/.exec(pushed.output);
      if (!took) throw new Error(`no release phase in the push output:\n${pushed.output}`);
      phase.push(Number(took[1]) * 1000);
    }

    const plain = join(work, 'plain-app');
    await cp(join(REPO_ROOT, 'test/fixtures/node-app'), plain, { recursive: true });
    await writeDockerfile(plain, equivalentDockerfile(config.GANTRY_STACK_IMAGE, config.GANTRY_NPM_REGISTRY, resolved[1]!, resolved[2]!));
    await writeFile(join(plain, 'version.txt'), 'cold\n');
    console.log('Plain Docker: cold build + run...');
    const plainCold = await buildAndRun(plain, plainTags[0]!, { noCache: true, expect: '"version":"cold"' });
    const plainWarm: number[] = [];
    let previous = plainCold.container;
    for (let i = 1; i <= WARM_RUNS; i++) {
      console.log(`Plain Docker: warm build + run ${i}/${WARM_RUNS}...`);
      await writeFile(join(plain, 'version.txt'), `warm${i}\n`);
      const r = await buildAndRun(plain, plainTags[1]!, { noCache: false, expect: `"version":"warm${i}"`, replace: previous });
      plainWarm.push(r.ms);
      previous = r.container;
    }

    const rows: [string, string][] = [
      ['Gantry: git push -> first 200, cold (new app, empty cache)', secs(cold.ms)],
      [`Gantry: git push -> first 200, warm (median of ${WARM_RUNS}: ${warm.map(secs).join(', ')})`, secs(median(warm))],
      ['docker build --no-cache + docker run -> first 200, cold', secs(plainCold.ms)],
      [`docker build + docker run -> first 200, warm (median of ${WARM_RUNS}: ${plainWarm.map(secs).join(', ')})`, secs(median(plainWarm))],
      ['ratio Gantry / plain Docker, cold', (cold.ms / plainCold.ms).toFixed(2)],
      ['ratio Gantry / plain Docker, warm', (median(warm) / median(plainWarm)).toFixed(2)],
      ['Gantry warm / cold', (median(warm) / cold.ms).toFixed(2)],
      [`Gantry: warm push with a no-op release command (median of ${WARM_RUNS}: ${withRelease.map(secs).join(', ')})`, secs(median(withRelease))],
      [`  its release phase as the push reports it (median: ${phase.map(secs).join(', ')})`, secs(median(phase))],
      ['ratio warm push with / without a release command', (median(withRelease) / median(warm)).toFixed(2)],
    ];
    printRows(`Deploy benchmark: Node ${resolved[1]} / npm ${resolved[2]} Express app, this machine, one run`, rows);
  } finally {
    await removePlain(plainTags).catch(() => {});
    await gantry.stop();
    await rm(work, { recursive: true, force: true });
  }
  process.exit(0);
}

runBench(main);
