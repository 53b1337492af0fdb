/** Line-oriented logging of Gantry's own services: "<time> <service> <level> <message>". */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(service: string, level: Level = 'info', write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Logger {
  const at = (lvl: Level) => (msg: string) => {
    if (ORDER[lvl] >= ORDER[level]) write(`${new Date().toISOString()} ${service} ${lvl} ${msg}`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Runs a service's main function; a startup failure is printed and exits with status 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}

/** Calls `shutdown` once on SIGTERM or SIGINT (tsx may deliver a signal twice). */
export function onShutdown(shutdown: () => Promise<void>): void {
  let started = false;
  const once = () => {
    if (started) return;
    started = true;
    void shutdown();
  };
  process.once('SIGTERM', once);
  process.once('SIGINT', once);
}

/** Stops what a service's start began (servers, workers, connections); never exits the process. */
export type StopService = () => Promise<void>;

/**
 * Runs one or more services in this process (gantryd co-hosts several in one: less memory than
 * a Node process each). They start together; a start that fails prints why and exits 1 (the
 * supervisor starts the process again). The first SIGTERM or SIGINT stops every service started
 * so far, all at once, then exits 0.
 */
export function runServices(starts: readonly (() => Promise<StopService>)[]): void {
  const stops: StopService[] = [];
  let stopping = false;
  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    void Promise.allSettled(stops.map((stop) => stop())).then((results) => {
      for (const r of results) if (r.status === 'rejected') console.error(`stopping: ${r.reason instanceof Error ? r.reason.message : r.reason}`);
      process.exit(0);
    });
  };
  process.once('SIGTERM', stopAll);
  process.once('SIGINT', stopAll);
  void Promise.all(
    starts.map(async (start) => {
      const stop = await start();
      stops.push(stop);
      if (stopping) await stop(); // a signal came while this one was starting
    }),
  ).catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
