/**
 * String.prototype stays a fast-properties object in Gantry's processes although ioredis 6
 * subclasses String (see packages/live/src/fast-string-methods.ts). Checked in child processes
 * with V8's natives syntax, which only a flag enables: ioredis alone leaves it slow (so the
 * check can see the problem), and the router's modules, which load ioredis, leave it fast.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

async function fastAfterImporting(specifier: string): Promise<string> {
  const code = `await import(${JSON.stringify(specifier)}); console.log(eval('%HasFastProperties(String.prototype)'));`;
  const { stdout } = await run(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', code], { cwd: process.cwd() });
  return stdout.trim();
}

describe('String.prototype in Gantry processes', () => {
  it('is made slow by ioredis alone', async () => {
    expect(await fastAfterImporting('ioredis')).toBe('false');
  });

  it('is fast again once @gantry/live is loaded, and with the router loaded', async () => {
    expect(await fastAfterImporting('@gantry/live')).toBe('true');
    expect(await fastAfterImporting('./apps/router/src/server.ts')).toBe('true');
  });
});
