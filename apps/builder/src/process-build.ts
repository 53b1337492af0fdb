/**
 * One build job: pushed source -> image -> release (which queues its deploy).
 *
 *   source tar ─┬─ Dockerfile at the root ──> docker build
 *               └─ otherwise ──> buildpacks (detect, compile, release) in a builder container
 *   app.json (one parse): required config vars checked before building; health checks; formation
 *   then: process types (Procfile over buildpack defaults), app.json env applied (defaults,
 *   secrets; a required var still missing fails the build, nothing written)
 *   -> build record -> release vN -> deploy job (the scheduler continues the push's output)
 *
 * A failure of the app's own making ends the push with its reason; the app keeps its release.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '@gantry/config';
import { formatDuration } from '@gantry/config';
import { applyManifestEnv, createRelease, finishBuild, generateSecret, imageRepoFor, loadEgressPolicy, previewManifestEnv, startBuild, type Ctx } from '@gantry/control';
import { EMPTY_MANIFEST, InvalidInput, describeEnvSet, parseAppManifest, parseProcfile, releaseManifest, undefinedFormationTypes, undefinedSidecarTypes, type AppManifest, type ConfigVars, type ProcessTypes } from '@gantry/core';
import type { Docker } from '@gantry/docker';
import type { AppLogs, BuildOutput } from '@gantry/live';
import type { Logger } from '@gantry/log';
import { buildWithBuildpacks } from './buildpack-build';
import { planAppBuildpacks } from './buildpacks';
import { buildWithDockerfile } from './dockerfile';
import { BuildFailure } from './failure';
import { BuildReporter } from './reporter';
import { readRootFiles } from './source';

export interface BuilderDeps {
  config: Config;
  ctx: Ctx;
  docker: Docker;
  output: BuildOutput;
  /** The app log streams, which get every build line too (source "build"). */
  logs?: AppLogs;
  log: Logger;
}

export function sourcePath(config: Config, buildId: string): string {
  return join(config.paths.sources, `${buildId}.tar`);
}

export async function processBuild(deps: BuilderDeps, buildId: string): Promise<void> {
  const { config, ctx } = deps;
  const build = await startBuild(ctx, buildId);
  const app = build.app;
  const out = new BuildReporter(deps.output, buildId, deps.logs ? { logs: deps.logs, appId: app.id } : undefined);
  const started = Date.now();
  if (build.attempts > 1) out.heading(`The previous builder stopped during this build; building again (attempt ${build.attempts})`);

  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(`Build timed out after ${formatDuration(config.GANTRY_BUILD_TIMEOUT)} and was stopped.`),
    config.GANTRY_BUILD_TIMEOUT,
  );
  const tarPath = sourcePath(config, buildId);
  try {
    const files = await readRootFiles(tarPath, ['Procfile', 'app.json', 'Dockerfile', '.dockerignore', '.buildpacks']).catch((err: Error) => {
      throw new BuildFailure(`The source of this build is unreadable or gone (${err.message}); push again.`);
    });
    const procfile = parseOrFail(() => (files.has('Procfile') ? parseProcfile(files.get('Procfile')!) : {}));
    const manifest = parseOrFail<AppManifest>(() => (files.has('app.json') ? parseAppManifest(files.get('app.json')!) : EMPTY_MANIFEST));
    // Required config vars missing: fail now rather than after the build (checked again, locked,
    // before the release). The build sees app.json's defaults and secrets, as on Heroku.
    const envPreview = await failOnInvalid(() => previewManifestEnv(ctx, app.id, manifest.env));

    const repo = imageRepoFor(ctx, app.id);
    const tag = `b${build.number}`;
    const labels = {
      'gantry.instance': config.GANTRY_INSTANCE,
      'gantry.app': app.name,
      'gantry.app.id': app.id,
      'gantry.build': String(build.number),
      'gantry.commit': build.commitSha,
    };
    const limits = { memoryBytes: config.GANTRY_BUILD_MEMORY, cpus: config.GANTRY_BUILD_CPUS, signal: timeout.signal };

    let strategy: string;
    let defaults: ProcessTypes = {};
    if (files.has('Dockerfile')) {
      await buildWithDockerfile({
        docker: deps.docker,
        tarPath,
        dockerignore: files.get('.dockerignore'),
        tag: `${repo}:${tag}`,
        labels: { ...labels, 'gantry.launcher': 'shell' },
        out,
        ...limits,
      });
      strategy = 'dockerfile';
      // Without a Procfile, web runs the image's own CMD/ENTRYPOINT (an empty command).
      if (!procfile.web) defaults = { web: '' };
    } else {
      const appConfig = { ...(app.config as ConfigVars), ...envPreview.set };
      const plan = await planAppBuildpacks(
        config.GANTRY_BUILDPACKS_DIR,
        config.GANTRY_BUILDPACKS,
        { stored: app.buildpacks, dotBuildpacks: files.get('.buildpacks'), manifest: manifest.buildpacks, buildpackUrl: appConfig.BUILDPACK_URL },
        async () => ({ policy: await loadEgressPolicy(ctx.db) }),
      );
      try {
        const result = await buildWithBuildpacks({
          docker: deps.docker,
          buildId,
          tarPath,
          plan,
          stackImage: config.GANTRY_STACK_IMAGE,
          cacheVolume: `gantry-${config.GANTRY_INSTANCE}-cache-${app.id}`,
          caBundle: config.GANTRY_CA_BUNDLE,
          env: builderEnv(config),
          appConfig,
          repo,
          tag,
          labels: { ...labels, 'gantry.launcher': 'buildpack' },
          out,
          ...limits,
        });
        strategy = result.buildpack;
        defaults = result.defaultProcessTypes;
      } finally {
        await plan.cleanup();
      }
    }

    const processTypes = { ...defaults, ...procfile };
    if (Object.keys(processTypes).length === 0) {
      throw new BuildFailure('The app defines no processes: add a Procfile such as "web: npm start".');
    }
    out.heading(`Process types: ${Object.entries(processTypes).map(([t, c]) => `${t} (${c || 'image CMD'})`).join(', ')}`);
    for (const type of undefinedFormationTypes(manifest.formation, processTypes)) {
      out.line(` !     Warning: app.json formation names ${type}, which is not a process type of this app; ignored.`);
    }
    for (const type of undefinedSidecarTypes(manifest.sidecars, processTypes)) {
      out.line(` !     Warning: app.json sidecars names ${type}, which is not a process type of this app; ignored.`);
    }
    const envSet = describeEnvSet(await failOnInvalid(() => applyManifestEnv(ctx, app.id, manifest.env, build.userId, (key) => envPreview.set[key] ?? generateSecret())));
    if (envSet) out.heading(envSet);
    out.detail(`Built in ${formatDuration(Date.now() - started)}`);
    await out.flush();
    await finishBuild(ctx, buildId, { status: 'succeeded', log: out.log(), strategy, imageRef: `${repo}:${tag}` });
    const fresh = await ctx.db.app.findUniqueOrThrow({ where: { id: app.id } });
    const release = await createRelease(
      ctx,
      {
        appId: app.id,
        description: `Deploy ${build.commitSha.slice(0, 7)}`,
        buildId,
        imageRef: `${repo}:${tag}`,
        config: fresh.config as ConfigVars,
        processTypes,
        healthChecks: manifest.healthChecks,
        manifest: releaseManifest(manifest),
        userId: build.userId,
      },
      { notifyBuildId: buildId },
    );
    out.heading(`Launching release v${release.version}...`);
    await out.flush();
  } catch (err) {
    const message = err instanceof BuildFailure ? err.message : `Gantry could not build the app: ${(err as Error).message}`;
    if (!(err instanceof BuildFailure)) deps.log.error(`build ${buildId}: ${(err as Error).stack ?? err}`);
    out.error(message);
    await out.flush();
    await finishBuild(ctx, buildId, { status: 'failed', error: message, log: out.log() });
    await out.end(false, `Build failed: ${message.split('\n')[0]}`);
  } finally {
    clearTimeout(timer);
    await rm(tarPath, { force: true });
  }
}

/** An InvalidInput of the app's making (app.json config vars) ends the build with its message. */
async function failOnInvalid<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidInput) throw new BuildFailure(err.message);
    throw err;
  }
}

function parseOrFail<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidInput) throw new BuildFailure(err.message);
    throw err;
  }
}

/** Settings every buildpack sees (registry, Node source, CA bundle), from the configuration. */
export function builderEnv(config: Config): Record<string, string> {
  const registry = config.GANTRY_NPM_REGISTRY.endsWith('/') ? config.GANTRY_NPM_REGISTRY : `${config.GANTRY_NPM_REGISTRY}/`;
  const ca = '/etc/ssl/certs/ca-certificates.crt';
  return {
    STACK: 'gantry-bookworm',
    GANTRY_NPM_REGISTRY: registry,
    GANTRY_NODE_SOURCE: config.GANTRY_NODE_SOURCE,
    NPM_CONFIG_REGISTRY: registry,
    NODE_EXTRA_CA_CERTS: ca,
    NPM_CONFIG_CAFILE: ca,
    CURL_CA_BUNDLE: ca,
    HOME: '/root',
  };
}
