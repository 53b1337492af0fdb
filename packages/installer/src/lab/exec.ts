/** Runs a program from an argv array (never a shell string); errors carry the argv and stderr. */
import { execFile } from 'node:child_process';

export type Argv = readonly [string, ...string[]];

export interface RunResult {
  stdout: string;
  stderr: string;
}

export function run(argv: Argv, opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const detail = stderr.trim() || err.message;
        reject(Object.assign(new Error(`${argv.join(' ')}: ${detail}`), { stderr, code: (err as NodeJS.ErrnoException).code }));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

/** Like run, but a failure is returned instead of thrown (cleanup steps that may find nothing to do). */
export async function tryRun(argv: Argv, opts: { timeoutMs?: number } = {}): Promise<RunResult & { ok: boolean }> {
  try {
    return { ...(await run(argv, opts)), ok: true };
  } catch (err) {
    return { stdout: '', stderr: (err as { stderr?: string }).stderr ?? String(err), ok: false };
  }
}
