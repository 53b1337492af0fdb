'use client';
import { useState } from 'react';
import type { AppMetricsView, AutoscaleEventView, AutoscaleView } from '@gantry/api-client';
import { instancesOver, metricLabel, metricOver } from '../../../../_lib/autoscale';
import { LineChart, type Series } from '../../../../_components/line-chart';
import { ErrorBox, Loading } from '../../../../_components/session';
import { appPath } from '../../../../_lib/api';
import { bytes, ms, percent } from '../../../../_lib/format';
import { usePoll } from '../../../../_lib/hooks';
import type { InstanceSeriesView } from '../../../../_lib/types';
import { useApp } from '../app-context';

const WINDOWS = [
  [300, '5 min'],
  [900, '15 min'],
  [3600, '1 hour'],
  [6 * 3600, '6 hours'],
  [86400, '24 hours'],
] as const;
const pct = (v: number) => percent(v, v > 0 && v < 10 ? 1 : 0);

/**
 * Router figures (requests/s, p50/p95 latency, 5xx rate) and usage (CPU, memory: all instances
 * and each one) over a chosen window, from GET /metrics and GET /metrics/instances.
 */
export default function MetricsPage() {
  const { name } = useApp();
  const [window, setWindow] = useState(900);
  const m = usePoll<AppMetricsView>(appPath(name, `/metrics?window=${window}`), 3000);
  const perInstance = useInstanceSeries(name, window);
  const s = m.data?.series ?? [];
  const times = s.map((b) => b.at);
  const bucket = m.data?.bucketSeconds ?? 10;
  return (
    <div className="stack">
      <div className="spread">
        <div className="row">
          {WINDOWS.map(([w, label]) => (
            <button key={w} className={w === window ? 'primary small' : 'small'} onClick={() => setWindow(w)}>
              {label}
            </button>
          ))}
        </div>
        {m.data ? (
          <span className="muted">
            {m.data.router.requests} requests · {m.data.router.rps.toFixed(2)} req/s · p95 {ms(m.data.router.p95)}
          </span>
        ) : null}
      </div>
      <ErrorBox error={m.error ?? perInstance.error} />
      {m.loading && !m.data ? <Loading rows={6} /> : null}
      {m.data ? (
        <div className="grid" data-testid="charts">
          <AutoscaleCharts app={name} times={times} series={s} bucketSeconds={bucket} />
          <LineChart testId="chart-rps" title="Requests / s" times={times} format={(v) => v.toFixed(v === 0 ? 0 : v < 1 ? 2 : v < 10 ? 1 : 0)} series={[{ name: 'req/s', values: s.map((b) => b.requests / bucket) }]} />
          <LineChart
            testId="chart-latency"
            title="Latency"
            times={times}
            format={ms}
            series={[
              { name: 'p50', values: s.map((b) => b.p50) },
              { name: 'p95', values: s.map((b) => b.p95) },
            ]}
          />
          <LineChart testId="chart-5xx" title="5xx rate" times={times} format={pct} series={[{ name: '5xx', color: 'var(--bad)', values: s.map((b) => (b.requests ? (100 * b.status['5xx']) / b.requests : null)) }]} />
          <LineChart testId="chart-cpu" title="CPU (all instances)" times={times} format={pct} series={[{ name: 'CPU', values: s.map((b) => (b.memUsed ? b.cpuPercent : null)) }]} />
          <LineChart testId="chart-mem" title="Memory (all instances)" times={times} format={bytes} series={[{ name: 'memory', values: s.map((b) => b.memUsed || null) }]} />
          <LineChart testId="chart-instance-cpu" title="CPU per instance" times={perInstance.times} format={pct} series={perInstance.cpu} />
          <LineChart testId="chart-instance-mem" title="Memory per instance" times={perInstance.times} format={bytes} series={perInstance.mem} />
        </div>
      ) : null}
    </div>
  );
}

/**
 * For each autoscaled type: its instances over the window (the autoscaler's changes) beside the
 * metric its policy follows and the target.
 */
function AutoscaleCharts({ app, times, series, bucketSeconds }: { app: string; times: string[]; series: AppMetricsView['series']; bucketSeconds: number }) {
  const policies = usePoll<AutoscaleView[]>(appPath(app, '/autoscale'), 5000);
  const events = usePoll<AutoscaleEventView[]>(appPath(app, '/autoscale/events?limit=500'), 5000);
  const scaled = (policies.data ?? []).filter((p) => p.policy);
  if (!scaled.length) return null;
  return (
    <>
      {scaled.map((p) => {
        const counts = instancesOver(times, events.data ?? [], p.type, p.quantity);
        const policy = p.policy!;
        const metric = metricOver(series, counts, policy, bucketSeconds);
        return (
          <div key={p.type} className="stack" data-testid={`autoscale-${p.type}`} data-quantity={p.quantity}>
            <LineChart testId={`chart-autoscale-${p.type}`} title={`${p.type}: instances (${policy.min}-${policy.max})`} times={times} format={(v) => v.toFixed(0)} series={[{ name: 'instances', values: counts }]} />
            <LineChart
              testId={`chart-autoscale-metric-${p.type}`}
              title={`${p.type}: ${metricLabel(policy)} and target`}
              times={times}
              format={(v) => v.toFixed(v < 10 ? 1 : 0)}
              series={[
                { name: metricLabel(policy), values: metric },
                { name: 'target', color: 'var(--bad)', values: times.map(() => policy.target) },
              ]}
            />
          </div>
        );
      })}
    </>
  );
}

/** GET /metrics/instances: each instance's CPU and memory per bucket over the same window. */
function useInstanceSeries(app: string, window: number): { times: string[]; cpu: Series[]; mem: Series[]; error: Error | undefined } {
  const m = usePoll<InstanceSeriesView>(appPath(app, `/metrics/instances?window=${window}`), 3000);
  const list = m.data?.instances ?? [];
  return {
    times: m.data?.times ?? [],
    cpu: list.map((i) => ({ name: i.process, values: i.cpuPercent })),
    mem: list.map((i) => ({ name: i.process, values: i.memUsed })),
    error: m.error,
  };
}
