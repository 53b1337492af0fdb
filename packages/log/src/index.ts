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
