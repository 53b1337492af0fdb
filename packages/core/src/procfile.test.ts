import { describe, expect, it } from 'vitest';
import { parseProcfile, parseReleaseYaml } from './procfile';

describe('parseProcfile', () => {
  it('reads types and commands, skipping comments and blank lines', () => {
    expect(parseProcfile('# comment\nweb: node server.js --port $PORT\n\nworker:   bin/work  \r\n')).toEqual({
      web: 'node server.js --port $PORT',
      worker: 'bin/work',
    });
  });

  it.each([
    ['web node server.js', /line 1: expected "type: command"/],
    ['web:', /line 1: process type "web" has no command/],
    ['we b: x', /line 1/],
    ['web: a\nweb: b', /line 2: process type "web" is defined twice/],
    ['w€b: x', /may only use letters/],
  ])('refuses %j', (text, message) => {
    expect(() => parseProcfile(text)).toThrow(message);
  });
});

describe('parseReleaseYaml', () => {
  it('reads default_process_types and ignores other keys', () => {
    expect(parseReleaseYaml('---\naddons: []\ndefault_process_types:\n  web: npm start\n  worker: "node w.js"\nconfig_vars:\n  A: b\n')).toEqual({
      web: 'npm start',
      worker: 'node w.js',
    });
  });

  it('gives nothing for empty output or an empty map', () => {
    expect(parseReleaseYaml('')).toEqual({});
    expect(parseReleaseYaml('default_process_types: {}\n')).toEqual({});
  });
});
