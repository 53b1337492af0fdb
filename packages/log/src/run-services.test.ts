import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// runServices owns the process (signals, exit), so it is run in a real child process.
const dir = mkdtempSync(join(tmpdir(), 'gantry-run-services-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LOG = resolve(import.meta.dirname, 'index.ts');

function program(body: string): string {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, `import { runServices } from ${JSON.stringify(LOG)};\n${body}\n`);
  return file;
}

function run(file: string, signalOnOutput?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const take = (b: Buffer) => {
      out += b.toString();
      if (signalOnOutput && out.includes(signalOnOutput)) {
        signalOnOutput = undefined;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('exit', (code) => done({ code, out }));
  });
}

describe('runServices', () => {
  it('starts every service, and on SIGTERM stops them all before exiting 0', async () => {
    const file = program(`
const service = (name: string, ms: number) => async () => {
  await new Promise((r) => setTimeout(r, ms));
  console.log(name + ' started');
  const timer = setInterval(() => {}, 1000);
  return async () => { clearInterval(timer); await new Promise((r) => setTimeout(r, 50)); console.log(name + ' stopped'); };
};
runServices([service('a', 10), service('b', 100)]);
let both = 0; const log = console.log; console.log = (m: string) => { log(m); if (m.endsWith('started') && ++both === 2) log('READY'); };
`);
    const { code, out } = await run(file, 'READY');
    expect(code).toBe(0);
    expect(out).toContain('a stopped');
    expect(out).toContain('b stopped');
  }, 20_000);

  it('exits 1 with the reason when a start fails', async () => {
    const file = program(`
runServices([async () => async () => {}, async () => { throw new Error('port 7070 in use'); }]);
setInterval(() => {}, 1000);
`);
    const { code, out } = await run(file);
    expect(code).toBe(1);
    expect(out).toContain('port 7070 in use');
  }, 20_000);
});
