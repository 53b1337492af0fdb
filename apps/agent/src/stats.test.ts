import { describe, expect, it } from 'vitest';
import { cpuReading, hostUsage, memoryUsed, toSample, type DockerStats } from './stats';

const tracked = { allocId: 'a1', appId: 'app1', process: 'web.1', state: { status: 'healthy' as const, since: 0, restarts: 2 } };

function stats(cpuNs: number, systemNs: number, extra: Partial<DockerStats> = {}): DockerStats {
  return {
    cpu_stats: { cpu_usage: { total_usage: cpuNs }, system_cpu_usage: systemNs, online_cpus: 2 },
    memory_stats: { usage: 150_000_000, limit: 536_870_912, stats: { inactive_file: 50_000_000 } },
    ...extra,
  };
}

describe('docker stats to samples', () => {
  it('computes CPU % against the previous reading (docker formula)', () => {
    const first = toSample(tracked, stats(1e9, 100e9), undefined, 5, 1000);
    expect(first.sample.cpuPercent).toBeNull();
    const second = toSample(tracked, stats(1.2e9, 102e9), first.reading!, 5, 11_000);
    // 0.2 s of CPU over 2 s of system time, 2 CPUs: 20%.
    expect(second.sample).toEqual({ allocId: 'a1', appId: 'app1', process: 'web.1', cpuPercent: 20, memUsed: 100_000_000, memLimit: 536_870_912, restarts: 2, startedAt: 5, at: 11_000 });
  });

  it("uses Docker's own previous reading when it sent one", () => {
    const s = stats(3e9, 10e9, { precpu_stats: { cpu_usage: { total_usage: 2e9 }, system_cpu_usage: 8e9 } });
    expect(toSample(tracked, s, undefined, 0, 0).sample.cpuPercent).toBe(100);
  });

  it('takes memory without the page cache (cgroup v2 inactive_file, v1 cache)', () => {
    expect(memoryUsed({ memory_stats: { usage: 100, stats: { inactive_file: 30, cache: 60 } } })).toBe(70);
    expect(memoryUsed({ memory_stats: { usage: 100, stats: { cache: 60 } } })).toBe(40);
    expect(memoryUsed({ memory_stats: { usage: 10, stats: { cache: 60 } } })).toBe(0);
    expect(memoryUsed({ memory_stats: {} })).toBe(0);
  });

  it('has no reading from a stopped container', () => {
    expect(cpuReading({ cpu_stats: { cpu_usage: {} } })).toBeNull();
  });
});

describe('hostUsage', () => {
  it('sums CPU and memory over the samples (an unknown CPU counts as 0)', () => {
    const sample = (cpuPercent: number | null, memUsed: number) => ({ allocId: 'a', appId: 'x', process: 'web.1', cpuPercent, memUsed, memLimit: 0, restarts: 0, startedAt: 0, at: 0 });
    expect(hostUsage([sample(12.34, 100), sample(null, 50), sample(7.7, 25)])).toEqual({ cpuPercent: 20, memoryBytes: 175, containers: 3 });
    expect(hostUsage([])).toEqual({ cpuPercent: 0, memoryBytes: 0, containers: 0 });
  });
});
