/**
 * The procfile buildpack in real stack containers: an app that only has a Procfile and a perl
 * server (perl-base is part of the stack) builds without a runtime download and answers HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildpackApp, type BuildResult } from './harness';

describe('procfile: a perl server run from the Procfile', () => {
  const app = new BuildpackApp('procfile');
  let build: BuildResult;

  beforeAll(async () => {
    build = await app.build('procfile-perl');
  });
  afterAll(() => app.dispose());

  it('is detected and compiles with nothing to build', () => {
    expect(build.buildpack).toBe('procfile');
    expect(build.detected).toBe('Procfile');
    expect(build.code, build.output).toBe(0);
    expect(build.output).toBe(
      '-----> Procfile app: nothing to build\n' +
        '       Process types: web\n' +
        '       Commands run as they are, with the tools of the stack image (bash, perl, curl, coreutils).\n',
    );
  });

  it('releases no default process types: the Procfile defines them', () => {
    expect(build.release).toBe('---\ndefault_process_types: {}');
    expect(build.processTypes).toEqual({ web: 'perl server.pl' });
  });

  it('runs the Procfile web command as uid 1000 and answers HTTP', async () => {
    const running = await app.run(build.image!, build.processTypes.web!);
    try {
      const res = await fetch(running.url);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^hello from perl v5\.\d+\.\d+ as uid 1000\n$/);
      expect((await running.terminate()).exitCode).toBe(0);
    } finally {
      await running.stop();
    }
  });
});
