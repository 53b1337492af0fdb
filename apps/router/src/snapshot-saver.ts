/**
 * Saves the router's state (snapshot.ts) whenever the applied table or the certificates change:
 * debounced, one write at a time, off the request path. Nothing is written until both the table
 * and the certificates have been applied from Redis once, so a start that has only one of them
 * never overwrites a complete snapshot with half of one.
 */
import type { CertRecord } from '@gantry/live';
import type { Logger } from './log';
import type { SnapshotStore, TableState } from './snapshot';

export class SnapshotSaver {
  private table: (() => TableState) | undefined;
  private certs: (() => ReadonlyMap<string, CertRecord>) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private again = false;
  private failing = false;
  /** Completed writes. */
  saves = 0;

  constructor(
    private readonly store: Pick<SnapshotStore, 'save' | 'path'>,
    private readonly log: Logger,
    private readonly debounceMs = 250,
  ) {}

  /** The applied table changed; `current` is read when the write happens. */
  tableChanged(current: () => TableState): void {
    this.table = current;
    this.schedule();
  }

  /** The certificates changed; `current` is read when the write happens. */
  certsChanged(current: () => ReadonlyMap<string, CertRecord>): void {
    this.certs = current;
    this.schedule();
  }

  private schedule(): void {
    if (this.table === undefined || this.certs === undefined) return;
    if (this.writing !== undefined) {
      this.again = true;
      return;
    }
    this.timer ??= setTimeout(() => void this.write(), this.debounceMs);
  }

  private write(): Promise<void> {
    this.timer = undefined;
    const state = { table: this.table!(), certs: this.certs!() };
    this.writing = this.store
      .save(state)
      .then(
        () => {
          this.saves++;
          if (this.failing) this.log.info(`snapshot saved again to ${this.store.path}`);
          this.failing = false;
          this.log.debug(`snapshot saved: table version ${state.table.version}, ${Object.keys(state.table.routes).length} routes, ${state.certs.size} certificate name(s)`);
        },
        (err: Error) => {
          // Once per failing streak: the next change tries again.
          if (!this.failing) this.log.error(`at=error code=snapshot_save_failed path=${JSON.stringify(this.store.path)} desc=${JSON.stringify(err.message)}`);
          this.failing = true;
        },
      )
      .finally(() => {
        this.writing = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
    return this.writing;
  }

  /** Writes what is pending now (shutdown) and waits for it. */
  async flush(): Promise<void> {
    if (this.writing !== undefined) await this.writing;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      await this.write();
    }
  }
}
