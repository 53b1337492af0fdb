import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '@gantry/config';
import { ADDON_IMAGES_DIR, addonImageRef } from './addon-images';

const config = { GANTRY_CA_BUNDLE: '/nonexistent/ca.crt', GANTRY_STACK_IMAGE: 'gantry/stack:bookworm' } as Config;
const dirs: string[] = [];

/** A copy of stack/addons to change. */
function copyOfAddons(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-addon-images-'));
  dirs.push(dir);
  cpSync(ADDON_IMAGES_DIR, dir, { recursive: true });
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('addonImageRef', () => {
  it('names each kind by the content of its files: gantry/<kind>:<16 hex>, the same for the same files', () => {
    const copy = copyOfAddons();
    for (const kind of ['postgres', 'redis'] as const) {
      expect(addonImageRef(config, kind)).toMatch(new RegExp(`^gantry/${kind}:[0-9a-f]{16}$`));
      expect(addonImageRef(config, kind, copy)).toBe(addonImageRef(config, kind));
    }
    expect(addonImageRef(config, 'postgres').split(':')[1]).not.toBe(addonImageRef(config, 'redis').split(':')[1]);
  });

  it('changes when an entrypoint or a Dockerfile changes, for that kind only', () => {
    const copy = copyOfAddons();
    const before = { postgres: addonImageRef(config, 'postgres', copy), redis: addonImageRef(config, 'redis', copy) };
    appendFileSync(join(copy, 'postgres', 'gantry-postgres'), '# changed\n');
    expect(addonImageRef(config, 'postgres', copy)).not.toBe(before.postgres);
    expect(addonImageRef(config, 'redis', copy)).toBe(before.redis);
    appendFileSync(join(copy, 'redis', 'Dockerfile'), '# changed\n');
    expect(addonImageRef(config, 'redis', copy)).not.toBe(before.redis);
  });

  it('changes when a file is added to the image context', () => {
    const copy = copyOfAddons();
    const before = addonImageRef(config, 'redis', copy);
    writeFileSync(join(copy, 'redis', 'extra.conf'), 'x\n');
    expect(addonImageRef(config, 'redis', copy)).not.toBe(before);
  });

  it('changes with the stack under it (its files or CA bundle, or another stack image)', () => {
    const dir = copyOfAddons();
    const bundle = join(dir, 'ca.crt');
    writeFileSync(bundle, 'one');
    const withBundle = { ...config, GANTRY_CA_BUNDLE: bundle } as Config;
    const first = addonImageRef(withBundle, 'postgres');
    expect(first).not.toBe(addonImageRef(config, 'postgres'));
    writeFileSync(bundle, 'two');
    expect(addonImageRef(withBundle, 'postgres')).not.toBe(first);
    expect(addonImageRef({ ...config, GANTRY_STACK_IMAGE: 'gantry/stack:other' } as Config, 'postgres')).not.toBe(addonImageRef(config, 'postgres'));
  });

  it('says which kind is missing when its directory is absent', () => {
    const copy = copyOfAddons();
    rmSync(join(copy, 'redis'), { recursive: true });
    expect(() => addonImageRef(config, 'redis', copy)).toThrow(/No add-on image for "redis": .*redis\/Dockerfile is missing/);
  });
});
