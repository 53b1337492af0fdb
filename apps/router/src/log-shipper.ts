/**
 * Router lines into each app's log stream (source "router"), batched per app every 15 ms so the
 * hot path only appends to an array. A slow or unreachable Redis drops lines rather than blocking:
 * at most `maxPending` lines wait per app.
 */
import type { AppLogs } from '@gantry/live';

export class RouterLogShipper {
  private readonly pending = new Map<string, string[]>();
  private timer: NodeJS.Timeout | undefined;
  dropped = 0;

  constructor(
    private readonly logs: AppLogs,
    private readonly flushMs = 15,
    private readonly maxPending = 5000,
  ) {}

  ship(appId: string, line: string): void {
    let list = this.pending.get(appId);
    if (!list) this.pending.set(appId, (list = []));
    if (list.length >= this.maxPending) {
      this.dropped++;
      return;
    }
    list.push(line);
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  async flush(): Promise<void> {
    this.timer = undefined;
    const batches = [...this.pending];
    this.pending.clear();
    await Promise.all(
      batches.map(([appId, lines]) => this.logs.appendLines(appId, 'router', 'router', lines).catch(() => {})),
    );
  }
}
