/** The router's diagnostic log (connect failures, ejections, Redis state). One line per event. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Writes `router: <message>` lines at or above `level` to the given sink. */
export function createLogger(level: LogLevel, write: (line: string) => void): Logger {
  const at = (l: LogLevel) => (RANK[l] >= RANK[level] ? (m: string) => write(`router: ${m}\n`) : () => {});
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Discards everything (tests that do not care). */
export const silentLogger: Logger = createLogger('error', () => {});
