import { describe, expect, it } from 'vitest';
import type { Config } from '@gantry/config';
import { bundleNetd, netdImageRef } from './netd-image';

const config = { GANTRY_CA_BUNDLE: '/nonexistent/ca.crt', GANTRY_STACK_IMAGE: 'gantry/stack:bookworm' } as Config;

describe('the netd bundle and image ref', () => {
  it('bundles netd into one module that imports Node builtins only', () => {
    const bundle = bundleNetd();
    const imports = [...bundle.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((i) => !i.startsWith('node:'))).toEqual([]);
    expect(bundle).not.toMatch(/\brequire\(/);
  });

  it('names the image by its content: same code, same ref; other code, another ref', () => {
    const bundle = bundleNetd();
    expect(netdImageRef(config)).toBe(netdImageRef(config, bundle));
    expect(netdImageRef(config)).toMatch(/^gantry\/netd:[0-9a-f]{16}$/);
    expect(netdImageRef(config, `${bundle}\n// changed`)).not.toBe(netdImageRef(config, bundle));
  });
});
