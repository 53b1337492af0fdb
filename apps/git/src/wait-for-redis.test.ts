import { describe, expect, it } from 'vitest';
import { waitForRedis, waitingLine } from './wait-for-redis';

/** A clock that only moves when the code under test sleeps (or a ping takes time). */
function fakeClock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms), advance: (ms: number) => void (t += ms) };
}

describe('waitForRedis', () => {
  it('goes on at once, silently, when Redis answers', async () => {
    const said: string[] = [];
    const clock = fakeClock();
    expect(await waitForRedis(async () => 'PONG', (l) => said.push(l), { maxWaitMs: 60_000, ...clock })).toBe(true);
    expect(said).toEqual([]);
  });

  it('says it is waiting, every 5 s, and goes on when Redis is back', async () => {
    const said: string[] = [];
    const clock = fakeClock();
    const ping = async () => {
      clock.advance(100); // a refused connection fails fast
      if (clock.now() < 12_000) throw new Error('Reached the max retries per request limit');
    };
    expect(await waitForRedis(ping, (l) => said.push(l), { maxWaitMs: 60_000, ...clock })).toBe(true);
    // Each attempt takes 1.1 s here (0.1 s ping + 1 s pause): notices at 0.1, 5.6 and 11.1 s.
    expect(said).toEqual([waitingLine(0), waitingLine(6), waitingLine(11)]);
    expect(clock.now()).toBeGreaterThanOrEqual(12_000);
    expect(clock.now()).toBeLessThan(13_500);
  });

  it('gives up after maxWaitMs, having said so all along', async () => {
    const said: string[] = [];
    const clock = fakeClock();
    const ping = async () => {
      clock.advance(2500); // a black-holed connection: the command deadline
      throw new Error('Command timed out');
    };
    expect(await waitForRedis(ping, (l) => said.push(l), { maxWaitMs: 20_000, ...clock })).toBe(false);
    expect(said[0]).toBe(waitingLine(3));
    expect(said.length).toBeGreaterThanOrEqual(3);
    expect(clock.now()).toBeGreaterThanOrEqual(20_000);
    expect(clock.now()).toBeLessThan(23_000);
  });
});
