import type Docker from 'dockerode';
import { demuxLines } from './lines';

export interface ExecOptions {
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  onLine?: (line: string, source: 'stdout' | 'stderr') => void;
}

/** Runs argv inside a running container; resolves with its exit code once output has drained. */
export async function execIn(docker: Docker, container: Docker.Container, argv: string[], opts: ExecOptions = {}): Promise<number> {
  const exec = await container.exec({
    Cmd: argv,
    AttachStdout: true,
    AttachStderr: true,
    Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(opts.user ? { User: opts.user } : {}),
    ...(opts.workingDir ? { WorkingDir: opts.workingDir } : {}),
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  await demuxLines(docker, stream, opts.onLine ?? (() => {}));
  const info = await exec.inspect();
  return info.ExitCode ?? -1;
}

/** Like execIn, collecting stdout (stderr goes to onStderr) for commands whose output is data. */
export async function execCapture(
  docker: Docker,
  container: Docker.Container,
  argv: string[],
  opts: Omit<ExecOptions, 'onLine'> & { onStderr?: (line: string) => void } = {},
): Promise<{ exitCode: number; stdout: string }> {
  const lines: string[] = [];
  const exitCode = await execIn(docker, container, argv, {
    ...opts,
    onLine: (line, source) => (source === 'stdout' ? lines.push(line) : opts.onStderr?.(line)),
  });
  return { exitCode, stdout: lines.join('\n') };
}
