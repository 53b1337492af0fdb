import { describe, expect, it } from 'vitest';
import { parseLogFilter } from './logs';

describe('parseLogFilter ?ps=', () => {
  it.each(['web', 'web.2', 'web.2/metrics', 'worker_a.10/log-ship'])('accepts %s', (ps) => {
    expect(parseLogFilter(new URLSearchParams({ ps }))).toEqual({ process: ps });
  });

  it.each(['web/metrics', 'web.1/Metrics', 'web.1/', 'web.1/m/x', 'Web'])('refuses %s naming the forms', (ps) => {
    expect(() => parseLogFilter(new URLSearchParams({ ps }))).toThrow('a sidecar of one (web.2/metrics)');
  });
});
