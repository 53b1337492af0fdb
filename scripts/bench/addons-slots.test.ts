import { describe, expect, it, vi } from 'vitest';
import { measureSlot } from './addons-slots';

describe('measureSlot', () => {
  it('gives the measurement as it came', async () => {
    await expect(measureSlot('move', async () => ({ pauseMs: 1200, acked: 80, lost: 0 }))).resolves.toEqual({ pauseMs: 1200, acked: 80, lost: 0 });
  });

  it('turns a measurement that throws into its reason, printed at once', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const slot = await measureSlot('failover', async () => {
        throw new Error('timed out after 180 s waiting for another member to be leader');
      });
      expect(slot).toEqual({ failed: 'timed out after 180 s waiting for another member to be leader' });
      expect(err).toHaveBeenCalledWith('  failover FAILED: timed out after 180 s waiting for another member to be leader');
    } finally {
      err.mockRestore();
    }
  });
});
