import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseSize } from './units';
import { ConfigError, loadConfig } from './index';

describe('units', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['250', 250],
    ['1.5s', 1500],
  ])('duration %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each([
    ['512m', 512 * 1024 ** 2],
    ['2g', 2 * 1024 ** 3],
    ['100k', 102_400],
    ['1.5G', 1.5 * 1024 ** 3],
    ['4096', 4096],
  ])('size %s', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it('refuses junk', () => {
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseSize('big')).toBeUndefined();
  });

  it('formats durations', () => {
    expect([formatDuration(250), formatDuration(1500), formatDuration(61_000), formatDuration(900_000)]).toEqual(['250ms', '1.5s', '1m1s', '15m']);
  });
});

describe('loadConfig', () => {
  it('applies defaults and derives URLs', () => {
    const c = loadConfig({ GANTRY_HOME: '/nonexistent' });
    expect([c.GANTRY_API_PORT, c.GANTRY_GIT_PORT, c.GANTRY_ROUTER_PORT]).toEqual([3000, 7070, 8080]);
    expect(c.urls.app('myapp')).toBe('http://myapp.localhost:8080');
    expect(c.urls.git).toBe('http://localhost:7070');
    expect(c.paths.routerState).toBe('/nonexistent/router');
    expect(c.GANTRY_ROUTER_REDIS_START_TIMEOUT).toBe(1000);
    expect(loadConfig({ GANTRY_HOME: '/nonexistent', GANTRY_ROUTER_STATE_DIR: '/var/lib/gantry-router' }).paths.routerState).toBe('/var/lib/gantry-router');
  });

  it('names every bad setting', () => {
    try {
      loadConfig({ GANTRY_HOME: '/nonexistent', GANTRY_API_PORT: 'x', GANTRY_BUILD_TIMEOUT: 'forever', GANTRY_INSTANCE: 'Bad Name' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toContain('GANTRY_API_PORT');
      expect(msg).toContain('GANTRY_BUILD_TIMEOUT: "forever" is not a duration');
      expect(msg).toContain('GANTRY_INSTANCE');
    }
  });
});
