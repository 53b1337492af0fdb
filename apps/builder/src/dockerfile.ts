import ignore from '@balena/dockerignore';
import type { Docker } from '@gantry/docker';
import { ImageBuildError, buildImage } from '@gantry/docker';
import { BuildFailure } from './failure';
import type { BuildReporter } from './reporter';
import { filteredTar } from './source';

export interface DockerfileBuildInput {
  docker: Docker;
  tarPath: string;
  dockerignore?: string;
  tag: string;
  labels: Record<string, string>;
  memoryBytes: number;
  cpus: number;
  signal: AbortSignal;
  out: BuildReporter;
}

/** Builds a repository with a Dockerfile at its root: `docker build` with output streamed. */
export async function buildWithDockerfile(input: DockerfileBuildInput): Promise<string> {
  const { out } = input;
  out.heading('Building with the Dockerfile');
  const ig = ignore().add(input.dockerignore ?? '');
  // The Dockerfile and .dockerignore always reach the engine, as with the docker CLI.
  const context = filteredTar(input.tarPath, (name) => name !== 'Dockerfile' && name !== '.dockerignore' && ig.ignores(name));
  try {
    const id = await buildImage(
      input.docker,
      {
        context,
        tag: input.tag,
        labels: input.labels,
        memoryBytes: input.memoryBytes,
        cpus: input.cpus,
        signal: input.signal,
      },
      (line) => out.detail(line),
    );
    return id;
  } catch (err) {
    if (input.signal.aborted) throw new BuildFailure(String(input.signal.reason ?? 'Build aborted'));
    if (err instanceof ImageBuildError) throw new BuildFailure(`docker build failed: ${err.message}`);
    throw err;
  }
}
