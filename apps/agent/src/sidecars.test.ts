import { describe, expect, it } from 'vitest';
import { scratchMount } from './sidecar-containers';
import { SIDECAR_STABLE_MS, nextStreak, sidecarRestartDelayMs } from './sidecars';

describe('sidecar restart backoff', () => {
  it('waits 1 s after the first exit, doubling up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(sidecarRestartDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('starts a new streak once it stayed up for a minute', () => {
    expect(nextStreak(5, SIDECAR_STABLE_MS)).toBe(1);
    expect(nextStreak(5, SIDECAR_STABLE_MS - 1)).toBe(6);
    expect(nextStreak(0, 10)).toBe(1);
    // Never came up (its start failed): the streak keeps growing.
    expect(nextStreak(3, null)).toBe(4);
  });
});

describe('scratchMount', () => {
  it('is a labelled tmpfs volume at /scratch that any user can write, at most the given size', () => {
    expect(scratchMount('gantry-main-shop-web.1-v3-abc-scratch', { 'gantry.instance': 'main', 'gantry.alloc.id': 'a1' }, 256 * 1024 * 1024)).toEqual({
      Type: 'volume',
      Source: 'gantry-main-shop-web.1-v3-abc-scratch',
      Target: '/scratch',
      VolumeOptions: {
        NoCopy: true,
        Labels: { 'gantry.instance': 'main', 'gantry.alloc.id': 'a1', 'gantry.role': 'scratch' },
        DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=256m,mode=1777' } },
      },
    });
  });
});
