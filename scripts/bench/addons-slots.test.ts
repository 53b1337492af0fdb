import { describe, expect, it } from 'vitest';
import { slotsFor } from './addons-slots';

describe('slotsFor', () => {
  it('says the move and HA are not on this branch while the move route is missing', () => {
    const s = slotsFor([{ method: 'POST', pattern: '/addons/:name/backups' }]);
    expect(s.move).toEqual({ notMeasured: 'addons:move / --ha not on this branch' });
    expect(s.failover).toEqual({ notMeasured: 'addons:move / --ha not on this branch' });
  });

  it('names the move route once it exists (the slot then waits for its measurement)', () => {
    const s = slotsFor([{ method: 'POST', pattern: '/addons/:name/move' }]);
    expect('notMeasured' in s.move && s.move.notMeasured).toMatch(/^POST \/addons\/:name\/move exists/);
  });
});
