/**
 * netd's entry point (bundled into one file for its image): settings from the environment, JSON
 * log lines on stdout (never the token), clean exit on SIGTERM/SIGINT.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InvalidConfig, parseConfig } from './config';
import { startNetd, type Log } from './netd';

const line = (level: string) => (msg: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), level, msg, ...fields })}\n`);
const log: Log = { info: line('info'), warn: line('warn') };

async function main(): Promise<void> {
  const resolvConf = existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf', 'utf8') : '';
  const config = parseConfig(process.env, resolvConf);
  const netd = await startNetd(config, log);
  const stop = () => {
    log.info('stopping');
    void netd.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  log.warn(err instanceof InvalidConfig ? 'invalid settings' : 'netd failed to start', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
