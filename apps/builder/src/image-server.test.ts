import { describe, expect, it } from 'vitest';
import { servable } from './image-server';

describe('which images the image server hands out', () => {
  it.each([
    ['a build of this installation', { 'gantry.instance': 'main', 'gantry.role': 'slug' }, true],
    ['a build of another installation', { 'gantry.instance': 'other' }, false],
    ['the netd image', { 'gantry.role': 'netd', 'gantry.netd.digest': 'x' }, true],
    ['an add-on server image', { 'gantry.role': 'addon', 'gantry.addon.digest': 'x' }, true],
    ['the stack image (no role)', { 'gantry.stack.digest': 'x' }, false],
    ['an image of another role', { 'gantry.role': 'test' }, false],
    ['an image without labels', null, false],
  ])('%s: %s', (_what, labels, expected) => {
    expect(servable(labels as Record<string, string> | null, 'main')).toBe(expected);
  });
});
