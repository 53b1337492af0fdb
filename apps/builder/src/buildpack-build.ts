/**
 * Builds an app with classic Heroku buildpacks inside a builder container of the stack image:
 *
 *   create container (stack, limits, mounts: buildpacks ro, cache volume, CA bundle)
 *     -> copy source to /app, config vars to /tmp/env (ENV_DIR: one file per var)
 *     -> copy the buildpacks to /tmp/buildpacks (bin/* made executable: buildpack-run.ts)
 *     -> detection: bin/detect each (first yes wins); an explicit list: all, in order
 *     -> per buildpack: bin/compile (streamed, after the earlier ones' `export`) -> bin/release if any
 *     -> drop /tmp/env, hand /app to uid 1000 -> commit the container as the app image
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Docker } from '@gantry/docker';
import { execCapture, execIn } from '@gantry/docker';
import { parseReleaseYaml, type ProcessTypes } from '@gantry/core';
import { compileArgv, scriptArgv, stageArgv, staged, type StagedBuildpack } from './buildpack-run';
import { BUILTIN_MOUNT, type BuildpackPlan } from './buildpacks';
import { BuildFailure } from './failure';
import type { BuildReporter } from './reporter';
import { tarOf } from './source';

export interface BuildpackBuildInput {
  docker: Docker;
  buildId: string;
  tarPath: string;
  plan: BuildpackPlan;
  stackImage: string;
  cacheVolume: string;
  caBundle: string;
  env: Record<string, string>;
  appConfig: Record<string, string>;
  repo: string;
  tag: string;
  labels: Record<string, string>;
  memoryBytes: number;
  cpus: number;
  signal: AbortSignal;
  out: BuildReporter;
}

export interface BuildpackBuildResult {
  imageId: string;
  buildpack: string;
  defaultProcessTypes: ProcessTypes;
}

const CA_PATH = '/etc/ssl/certs/ca-certificates.crt';

export async function buildWithBuildpacks(input: BuildpackBuildInput): Promise<BuildpackBuildResult> {
  const { docker, out, signal } = input;
  await ensureVolume(docker, input.cacheVolume, input.labels);
  await removeBuilderContainers(docker, input.buildId); // left by an attempt whose builder died
  const binds = Object.entries(input.plan.mounts).map(([host, target]) => `${host}:${target}:ro`);
  if (existsSync(input.caBundle)) binds.push(`${input.caBundle}:${CA_PATH}:ro`);
  const container = await docker.createContainer({
    Image: input.stackImage,
    Cmd: ['sleep', 'infinity'],
    User: 'root',
    WorkingDir: '/app',
    Env: Object.entries(input.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...input.labels, 'gantry.role': 'builder', 'gantry.build.id': input.buildId },
    HostConfig: {
      Init: true,
      Binds: binds,
      Mounts: [{ Type: 'volume', Source: input.cacheVolume, Target: '/cache' }],
      Memory: input.memoryBytes,
      MemorySwap: input.memoryBytes,
      NanoCpus: Math.round(input.cpus * 1e9),
      PidsLimit: 4096,
    },
  });
  const kill = () => void container.kill().catch(() => {});
  signal.addEventListener('abort', kill, { once: true });
  try {
    await container.start();
    await container.putArchive(createReadStream(input.tarPath), { path: '/app' });
    const envFiles = Object.fromEntries(Object.entries(input.appConfig).map(([k, v]) => [`env/${k}`, v]));
    await container.putArchive(await tarOf({ ...envFiles, 'env/.keep': '' }), { path: '/tmp' });

    const all = staged(input.plan.buildpacks);
    const stage = await execIn(docker, container, stageArgv(all, BUILTIN_MOUNT), { onLine: (l) => out.detail(l) });
    if (stage !== 0) throw new BuildFailure('Could not copy the buildpacks into the builder container.');
    const selected = await select(all);

    const defaults: ProcessTypes = {};
    if (input.plan.chosen) out.detail(`Buildpacks from ${input.plan.source}`);
    for (const [i, bp] of selected.entries()) {
      // Heroku's words: "Using buildpack: X" for a chosen one, "Running buildpack i of n" for a list.
      if (input.plan.chosen) out.heading(selected.length === 1 ? `Using buildpack: ${bp.entry}` : `Running buildpack ${i + 1} of ${selected.length}: ${bp.entry}`);
      if (bp.label) out.heading(`${bp.label} app detected`);
      const code = await execIn(docker, container, compileArgv(bp, selected.slice(0, i)), { onLine: (line) => out.line(line) });
      stopIfAborted(signal);
      if (code !== 0) throw new BuildFailure(`The ${bp.name} buildpack failed to compile the app (exit code ${code}).`);
      // bin/release is optional in the buildpack API: without it, no default process types.
      if (!existsSync(join(bp.hostDir, 'bin', 'release'))) continue;
      const release = await execCapture(docker, container, scriptArgv(bp, 'release'), { onStderr: (l) => out.detail(l) });
      if (release.exitCode !== 0) throw new BuildFailure(`The ${bp.name} buildpack's bin/release failed (exit code ${release.exitCode}).`);
      // Later buildpacks win, as in Heroku's multi-buildpack.
      Object.assign(defaults, parseReleaseYaml(release.stdout));
    }
    const names = selected.map((b) => b.name).join('+');

    // Config vars must never end up in the image; /app belongs to the unprivileged app user.
    const tidy = await execIn(docker, container, ['bash', '-c', 'rm -rf /tmp/env /tmp/* /root/.npm && chown -R 1000:1000 /app'], {
      onLine: (l) => out.detail(l),
    });
    if (tidy !== 0) throw new BuildFailure('Could not prepare /app for the image.');
    stopIfAborted(signal);

    out.heading('Compressing the build into an image');
    const committed = (await container.commit({
      _query: {
        container: container.id,
        repo: input.repo,
        tag: input.tag,
        comment: `Gantry build with buildpacks: ${names}`,
        pause: false,
        changes: ['WORKDIR /app', 'USER 1000:1000', 'ENV HOME=/app', 'CMD ["bash"]', ...Object.entries(input.labels).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`)],
      },
      _body: {},
    } as unknown as Parameters<typeof container.commit>[0])) as { Id: string };
    return { imageId: committed.Id, buildpack: names, defaultProcessTypes: defaults };
  } catch (err) {
    stopIfAborted(signal);
    throw err;
  } finally {
    signal.removeEventListener('abort', kill);
    // Removing a container with a large /app takes a while; nobody needs to wait for it.
    void container.remove({ force: true, v: true }).catch(() => {});
  }

  /** Detection picks the first buildpack that says yes; an explicit list runs all (detect only names them). */
  async function select(bps: StagedBuildpack[]): Promise<(StagedBuildpack & { label?: string })[]> {
    const out: (StagedBuildpack & { label?: string })[] = [];
    for (const bp of bps) {
      const hasDetect = existsSync(join(bp.hostDir, 'bin', 'detect'));
      const res = hasDetect ? await execCapture(docker, container, scriptArgv(bp, 'detect')) : { exitCode: -1, stdout: '' };
      stopIfAborted(signal);
      // What bin/detect printed names the app ("Node.js"); a chosen buildpack that says no still runs.
      const label = res.exitCode === 0 ? res.stdout.trim().split('\n')[0] || bp.name : undefined;
      if (input.plan.chosen) out.push({ ...bp, ...(label ? { label } : {}) });
      else if (label) return [{ ...bp, label }];
    }
    if (out.length) return out;
    throw new BuildFailure(
      'No buildpack recognised this app. Add a package.json (Node.js), an index.html (static site), a Procfile, or a Dockerfile.',
    );
  }
}

async function removeBuilderContainers(docker: Docker, buildId: string): Promise<void> {
  const stale = await docker.listContainers({ all: true, filters: { label: [`gantry.build.id=${buildId}`] } });
  for (const c of stale) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
}

function stopIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new BuildFailure(String(signal.reason ?? 'Build aborted'));
}

async function ensureVolume(docker: Docker, name: string, labels: Record<string, string>): Promise<void> {
  try {
    await docker.getVolume(name).inspect();
  } catch {
    await docker.createVolume({ Name: name, Labels: { 'gantry.instance': labels['gantry.instance'] ?? '', 'gantry.app.id': labels['gantry.app.id'] ?? '', 'gantry.role': 'build-cache' } });
  }
}
