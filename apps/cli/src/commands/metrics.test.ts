import { describe, expect, it } from 'vitest';
import type { AppMetricsView } from '@gantry/api-client';
import { cpuText, durationText, memoryText, metricsFields, msText, parseWindow } from './metrics';

describe('gantry metrics', () => {
  it.each([
    ['10m', 600],
    ['90s', 90],
    ['1h', 3600],
    ['600', 600],
    ['24h', 86400],
  ])('reads the window %s as %i s', (input, seconds) => expect(parseWindow(input)).toBe(seconds));

  it.each(['5s', '25h', '10 minutes', '', '-1m', '1.5h'])('refuses the window %j', (input) => {
    expect(() => parseWindow(input)).toThrow(/Invalid window/);
  });

  it('formats durations, latencies, CPU and memory', () => {
    expect([durationText(42), durationText(3725), durationText(90061)]).toEqual(['42s', '1h 2m', '1d 1h']);
    expect([msText(null), msText(2.345), msText(120.4), msText(1500)]).toEqual(['-', '2.3 ms', '120 ms', '1.50 s']);
    expect([cpuText({}), cpuText({ cpuPercent: null }), cpuText({ cpuPercent: 12.345 })]).toEqual(['', '', '12.3%']);
    expect(memoryText({})).toBe('');
    expect(memoryText({ memUsed: 128 * 1024 * 1024, memLimit: 512 * 1024 * 1024 })).toMatch(/^128 MB \/ 512 MB \(25%\)$/);
  });

  it('prints requests, latency and status classes', () => {
    const m = {
      router: { requests: 30, rps: 0.05, p50: 1.5, p95: 12, p99: 40, mean: 3, status: { '2xx': 25, '3xx': 0, '4xx': 5, '5xx': 0 } },
    } as unknown as AppMetricsView;
    expect(metricsFields(m)).toEqual([
      ['Requests', '30 (0.05 req/s)'],
      ['Latency', 'p50 1.5 ms  p95 12 ms  p99 40 ms'],
      ['Status', '2xx 25  3xx 0  4xx 5  5xx 0'],
    ]);
  });
});
