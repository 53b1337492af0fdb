import { describe, expect, it } from 'vitest';
import { initialState, nextState, statesAllowing, type ReleaseEvent, type ReleaseState } from './release-lifecycle';

const S: ReleaseState[] = ['pending', 'releasing', 'deploying', 'succeeded', 'failed', 'superseded'];
const E: ReleaseEvent[] = ['phase', 'deploy', 'serve', 'fail', 'supersede'];

// Every (state, event) pair: the state it leads to, or "-" when the event does not apply.
const TABLE: Record<ReleaseState, Record<ReleaseEvent, ReleaseState | '-'>> = {
  pending: { phase: 'releasing', deploy: 'deploying', serve: '-', fail: 'failed', supersede: 'superseded' },
  releasing: { phase: '-', deploy: 'deploying', serve: '-', fail: 'failed', supersede: 'superseded' },
  deploying: { phase: '-', deploy: '-', serve: 'succeeded', fail: 'failed', supersede: 'superseded' },
  succeeded: { phase: '-', deploy: '-', serve: '-', fail: '-', supersede: '-' },
  failed: { phase: '-', deploy: '-', serve: '-', fail: '-', supersede: '-' },
  superseded: { phase: '-', deploy: '-', serve: '-', fail: '-', supersede: '-' },
};

describe('release lifecycle', () => {
  for (const s of S) {
    for (const e of E) {
      it(`${s} --${e}--> ${TABLE[s][e]}`, () => {
        const want = TABLE[s][e];
        expect(nextState(s, e)).toBe(want === '-' ? null : want);
      });
    }
  }

  it('lists the states each event may start from (used as the compare-and-set condition)', () => {
    expect(statesAllowing('serve')).toEqual(['deploying']);
    expect(statesAllowing('deploy')).toEqual(['pending', 'releasing']);
    expect(statesAllowing('fail')).toEqual(['pending', 'releasing', 'deploying']);
  });

  it('a release with nothing to run takes effect at once', () => {
    expect(initialState(false)).toBe('succeeded');
    expect(initialState(true)).toBe('pending');
  });
});
