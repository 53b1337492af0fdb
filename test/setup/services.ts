/**
 * Global setup of component suites (test/integration): they need the real Redis, Postgres and
 * Docker that `npm test` starts (scripts/test.sh), but not a running Gantry. This only checks.
 */
import { Socket } from 'node:net';

function reachable(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, host, () => done(true));
  });
}

export default async function setup(): Promise<void> {
  const missing: string[] = [];
  if (!(await reachable('127.0.0.1', 6379))) missing.push('Redis on 127.0.0.1:6379');
  if (!(await reachable('127.0.0.1', 5432))) missing.push('Postgres on 127.0.0.1:5432');
  if (missing.length) throw new Error(`Not running: ${missing.join(', ')}. Run \`npm test\`, which starts them.`);
}
