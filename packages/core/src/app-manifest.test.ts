import { describe, expect, it } from 'vitest';
import { parseAppManifest, releaseManifest } from './app-manifest';

describe('parseAppManifest', () => {
  it('reads Heroku keys and Dokku extensions, ignoring unknown keys', () => {
    const m = parseAppManifest(
      JSON.stringify({
        name: 'x',
        logo: 'https://x/logo.png',
        addons: ['heroku-postgresql'],
        stack: 'heroku-24',
        image: 'heroku/nodejs',
        formation: { web: { quantity: 0 }, worker: { quantity: 1, size: 'Standard-1X' } },
        env: { A: 'lit', SECRET: { description: 's', generator: 'secret' }, OPT: { required: false }, N: { value: 5 } },
        buildpacks: [{ url: 'heroku/nodejs' }, { url: 'https://github.com/x/y' }],
        scripts: { postdeploy: 'node seed.js', dokku: { predeploy: 'echo pre', postdeploy: { command: 'echo post' } } },
        cron: [{ command: 'node job.js', schedule: '*/5 * * * *' }],
      }),
    );
    expect(m.formation).toEqual({ web: { quantity: 0 }, worker: { quantity: 1, size: 'standard-1x' } });
    expect(m.env).toEqual({
      A: { value: 'lit', required: true },
      SECRET: { description: 's', generator: 'secret', required: true },
      OPT: { required: false },
      N: { value: '5', required: true },
    });
    expect(m.buildpacks).toEqual(['heroku/nodejs', 'https://github.com/x/y']);
    expect(m.scripts).toEqual({ postdeploy: 'node seed.js', dokkuPredeploy: 'echo pre', dokkuPostdeploy: 'echo post' });
    expect(m.cron).toEqual([{ command: 'node job.js', schedule: '*/5 * * * *' }]);
    expect(releaseManifest(m)).toEqual({ formation: m.formation, scripts: m.scripts, cron: m.cron });
  });

  it('accepts an empty object and formation as a list', () => {
    expect(releaseManifest(parseAppManifest('{}'))).toEqual({});
    expect(parseAppManifest('{"formation":[{"process":"web","quantity":2}]}').formation).toEqual({ web: { quantity: 2 } });
  });

  it.each([
    ['[]', 'must hold a JSON object'],
    ['{"formation": 3}', '"formation" must be an object'],
    ['{"formation": {"web": {"quantity": -1}}}', '"formation.web.quantity" must be a whole number'],
    ['{"formation": {"web": {"size": "huge"}}}', 'unknown size "huge"'],
    ['{"formation": {"release": {"quantity": 1}}}', 'cannot be scaled'],
    ['{"env": []}', '"env" must be an object'],
    ['{"env": {"A": {"required": "yes"}}}', '"env.A.required" must be true or false'],
    ['{"env": {"A": {"generator": "uuid"}}}', 'the only generator is "secret"'],
    ['{"env": {"1A": "x"}}', '"env.1A"'],
    ['{"buildpacks": {"url": "x"}}', '"buildpacks" must be a list'],
    ['{"buildpacks": [{"uri": "x"}]}', '"buildpacks[0]"'],
    ['{"scripts": {"postdeploy": 3}}', '"scripts.postdeploy" must be a command string'],
    ['{"scripts": {"dokku": "x"}}', '"scripts.dokku" must be an object'],
    ['{"cron": {}}', '"cron" must be a list'],
    ['{"cron": [{"command": "x"}]}', '"cron[0].schedule" is missing'],
    ['{"cron": [{"command": 1, "schedule": "* * * * *"}]}', '"cron[0].command" must be a string'],
    ['{"cron": [{"command": "x", "schedule": "@daily"}, {"command": "y", "schedule": "0 61 * * *"}]}', 'app.json "cron[1]": Bad schedule "0 61 * * *": hour field "61": 61 is out of range 0-23.'],
    ['{"cron": [{"command": "a\\nb", "schedule": "@daily"}]}', 'app.json "cron[0]": The command must be one line'],
    ['{nope', 'not valid JSON'],
  ])('%s -> %s', (text, message) => {
    expect(() => parseAppManifest(text)).toThrow(message);
  });
});
