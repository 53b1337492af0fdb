import { describe, expect, it } from 'vitest';
import { parseAppManifest, releaseManifest } from './app-manifest';
import { sidecarsOf, undefinedSidecarTypes } from './sidecars';

describe('app.json sidecars', () => {
  it('reads sidecars per process type, trimmed, and the release keeps them', () => {
    const m = parseAppManifest(
      JSON.stringify({
        sidecars: {
          web: [
            { name: 'metrics', command: ' node exporter.js ' },
            { name: 'log-shipper2', command: 'sh ship.sh' },
          ],
          worker: [],
        },
      }),
    );
    expect(m.sidecars).toEqual({ web: [{ name: 'metrics', command: 'node exporter.js' }, { name: 'log-shipper2', command: 'sh ship.sh' }] });
    expect(releaseManifest(m)).toEqual({ sidecars: m.sidecars });
    expect(releaseManifest(parseAppManifest('{}'))).toEqual({});
    expect(parseAppManifest('{}').sidecars).toEqual({});
  });

  it('allows the same name under two process types, and four per type', () => {
    const four = [1, 2, 3, 4].map((n) => ({ name: `s${n}`, command: 'true' }));
    expect(Object.keys(sidecarsOf({ web: four, worker: [{ name: 's1', command: 'x' }] }))).toEqual(['web', 'worker']);
  });

  it.each([
    ['{"sidecars": []}', 'app.json: "sidecars" must be an object of process type'],
    ['{"sidecars": {"web": {"name": "m"}}}', '"sidecars.web" must be a list'],
    ['{"sidecars": {"we b": []}}', '"sidecars.we b": a process type may only use'],
    ['{"sidecars": {"release": [{"name": "m", "command": "x"}]}}', '"sidecars.release": the release phase'],
    ['{"sidecars": {"web": ["node x.js"]}}', '"sidecars.web[0]" must be an object'],
    ['{"sidecars": {"web": [{"command": "x"}]}}', '"sidecars.web[0].name" is missing'],
    ['{"sidecars": {"web": [{"name": 3, "command": "x"}]}}', '"sidecars.web[0].name" must be a string, not number 3'],
    ['{"sidecars": {"web": [{"name": "Metrics", "command": "x"}]}}', '"sidecars.web[0].name": "Metrics" is not a sidecar name'],
    ['{"sidecars": {"web": [{"name": "9lives", "command": "x"}]}}', '"sidecars.web[0].name": "9lives" is not a sidecar name'],
    [`{"sidecars": {"web": [{"name": "${'a'.repeat(31)}", "command": "x"}]}}`, 'is not a sidecar name'],
    ['{"sidecars": {"web": [{"name": "m", "command": "x"}, {"name": "m", "command": "y"}]}}', '"sidecars.web[1].name": "m" is used twice for web'],
    ['{"sidecars": {"web": [{"name": "m"}]}}', '"sidecars.web[0].command" is missing'],
    ['{"sidecars": {"web": [{"name": "m", "command": ["node", "x"]}]}}', '"sidecars.web[0].command" must be a string, not a list'],
    ['{"sidecars": {"web": [{"name": "m", "command": "  "}]}}', '"sidecars.web[0].command" is empty'],
    ['{"sidecars": {"web": [{"name": "m", "command": "a\\nb"}]}}', '"sidecars.web[0].command" must be one line'],
    ['{"sidecars": {"web": [{"name": "m", "command": "x", "cmd": "y"}]}}', '"sidecars.web[0]" has unknown key "cmd"'],
    [JSON.stringify({ sidecars: { web: [1, 2, 3, 4, 5].map((n) => ({ name: `s${n}`, command: 'x' })) } }), '"sidecars.web" lists 5 sidecars; at most 4'],
  ])('%s -> %s', (text, message) => {
    expect(() => parseAppManifest(text)).toThrow(message);
  });

  it('names sidecar types that are not process types of the build', () => {
    expect(undefinedSidecarTypes({ web: [{ name: 'm', command: 'x' }], wrk: [{ name: 'm', command: 'x' }] }, { web: 'x', worker: 'y' })).toEqual(['wrk']);
  });
});
