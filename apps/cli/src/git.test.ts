import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliBinPath, gitBaseUrl, helperCommand, shellQuote } from './git';

describe('credential helper config', () => {
  it('keys the helper by scheme://host:port of the git URL', () => {
    expect(gitBaseUrl('http://localhost:7070/my-app.git')).toBe('http://localhost:7070');
    expect(gitBaseUrl('https://git.example.com/my-app.git')).toBe('https://git.example.com');
    expect(() => gitBaseUrl('not a url')).toThrow(/unusable git URL/);
  });

  it('quotes paths for the shell git runs helpers with', () => {
    expect(shellQuote('/usr/bin/node')).toBe(`'/usr/bin/node'`);
    expect(shellQuote(`/home/o'brien/x`)).toBe(`'/home/o'\\''brien/x'`);
    expect(helperCommand('/opt/node 20/bin/node', '/srv/gantry/bin/gantry.js')).toBe(`!'/opt/node 20/bin/node' '/srv/gantry/bin/gantry.js' git:credential`);
    expect(cliBinPath()).toMatch(/apps\/cli\/bin\/gantry\.js$/);
  });

  it('survives a real shell with awkward paths', () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry q'uote "));
    try {
      const script = join(dir, 'echo args.sh');
      writeFileSync(script, 'printf "%s|" "$@"\n');
      const cmd = helperCommand('/bin/sh', script).slice(1) + ' get';
      expect(execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' })).toBe('git:credential|get|');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
