import type { AppLogs, BuildOutput } from '@gantry/live';

const FLUSH_MS = 40;
const MAX_KEPT_BYTES = 4 * 1024 * 1024;

/**
 * Build output: every line goes live to the pusher (batched every 40 ms into the build's Redis
 * stream), into the app's log stream (source "build"), and is kept (up to 4 MB) for the build
 * record.
 */
export class BuildReporter {
  private pending: string[] = [];
  private kept: string[] = [];
  private keptBytes = 0;
  private truncated = false;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly output: BuildOutput,
    private readonly buildId: string,
    private readonly appLog?: { logs: AppLogs; appId: string },
  ) {}

  line(text: string): void {
    this.pending.push(text);
    if (this.keptBytes < MAX_KEPT_BYTES) {
      this.kept.push(text);
      this.keptBytes += text.length + 1;
    } else this.truncated = true;
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  heading(text: string): void {
    this.line(`-----> ${text}`);
  }

  detail(text: string): void {
    this.line(`       ${text}`);
  }

  error(text: string): void {
    for (const l of text.split('\n')) this.line(` !     ${l}`);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    const appLog = this.appLog;
    this.flushing = this.flushing
      .then(() =>
        Promise.all([
          this.output.lines(this.buildId, batch),
          appLog?.logs.append(appLog.appId, batch.map((line) => ({ source: 'build' as const, process: 'build', line }))),
        ]),
      )
      .then(() => {})
      .catch(() => {});
    await this.flushing;
  }

  async end(ok: boolean, message: string): Promise<void> {
    await this.flush();
    await this.output.end(this.buildId, ok, message);
  }

  log(): string {
    return this.kept.join('\n') + (this.truncated ? '\n[output truncated at 4 MB]' : '');
  }
}
