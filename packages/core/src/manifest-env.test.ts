import { describe, expect, it } from 'vitest';
import type { EnvSpec } from './app-manifest';
import { describeEnvSet, describeMissingVars, resolveManifestEnv, type EnvResolution } from './manifest-env';

const secret = () => 'S'.repeat(64);
const env: Record<string, EnvSpec> = {
  SESSION_SECRET: { required: true, generator: 'secret' },
  WEB_CONCURRENCY: { required: true, value: '3' },
  STRIPE_KEY: { required: true, description: 'Your Stripe secret key' },
  OPTIONAL: { required: false, description: 'not needed' },
  OPTIONAL_DEFAULT: { required: false, value: 'x' },
  PORT: { required: true },
};

describe('resolveManifestEnv', () => {
  const cases: { name: string; config: Record<string, string>; firstBuild: boolean; want: EnvResolution }[] = [
    {
      name: 'first build of a new app: defaults and secrets set, required without value missing',
      config: {},
      firstBuild: true,
      want: {
        set: { OPTIONAL_DEFAULT: 'x', SESSION_SECRET: 'S'.repeat(64), WEB_CONCURRENCY: '3' },
        why: { OPTIONAL_DEFAULT: 'default', SESSION_SECRET: 'generated', WEB_CONCURRENCY: 'default' },
        missing: [{ key: 'STRIPE_KEY', description: 'Your Stripe secret key' }],
      },
    },
    {
      name: 'variables the app has are never touched',
      config: { SESSION_SECRET: 'mine', WEB_CONCURRENCY: '1', STRIPE_KEY: 'sk', OPTIONAL_DEFAULT: '' },
      firstBuild: true,
      want: { set: {}, why: {}, missing: [] },
    },
    {
      name: 'later builds: secrets still fill absent variables, defaults do not (a removed one is missing, with its default as hint)',
      config: { STRIPE_KEY: 'sk' },
      firstBuild: false,
      want: {
        set: { SESSION_SECRET: 'S'.repeat(64) },
        why: { SESSION_SECRET: 'generated' },
        missing: [{ key: 'WEB_CONCURRENCY', value: '3' }],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(resolveManifestEnv({ env, config: c.config, firstBuild: c.firstBuild, secret })).toEqual(c.want));
  }

  it('calls the generator once per variable set', () => {
    let n = 0;
    const r = resolveManifestEnv({ env: { A: { required: true, generator: 'secret' }, B: { required: false, generator: 'secret' } }, config: {}, firstBuild: false, secret: (k) => `${k}${++n}` });
    expect(r.set).toEqual({ A: 'A1', B: 'B2' });
  });
});

describe('build output of app.json env', () => {
  it('names the variables set and why, never their values', () => {
    expect(describeEnvSet({ WEB_CONCURRENCY: 'default', SESSION_SECRET: 'generated' })).toBe('app.json: set SESSION_SECRET (generated), WEB_CONCURRENCY (default)');
    expect(describeEnvSet({})).toBeUndefined();
  });

  it('lists what is missing with descriptions and the command to set them', () => {
    expect(describeMissingVars([{ key: 'STRIPE_KEY', description: 'Your Stripe secret key' }, { key: 'OTHER' }], 'shop')).toBe(
      [
        'app.json requires config vars that are not set:',
        '  STRIPE_KEY: Your Stripe secret key',
        '  OTHER: (no description in app.json)',
        'Set them with: gantry config:set STRIPE_KEY=... OTHER=... -a shop',
      ].join('\n'),
    );
  });
});
