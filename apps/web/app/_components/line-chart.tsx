'use client';
/**
 * A small hand-written SVG line chart: one or more series over the same x points, a y axis from
 * 0 to a rounded maximum with three grid lines, time labels at both ends. Gaps (null) break the line.
 */
export interface Series {
  name: string;
  values: (number | null)[];
  color?: string;
}

const W = 420;
const H = 170;
const PAD = { l: 54, r: 10, t: 10, b: 22 };
const COLORS = ['var(--c1)', 'var(--c2)', 'var(--c3)', 'var(--c4)', 'var(--c5)', 'var(--c6)'];

/** 0.73 -> 1, 7.3 -> 10, 23 -> 25, 460 -> 500: a round top for the y axis. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

export function LineChart({ title, series, times, format, testId }: { title: string; series: Series[]; times: string[]; format: (v: number) => string; testId?: string }) {
  const n = Math.max(times.length, ...series.map((s) => s.values.length));
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const max = niceMax(Math.max(0, ...all));
  const x = (i: number) => PAD.l + (n <= 1 ? 0 : (i / (n - 1)) * (W - PAD.l - PAD.r));
  const y = (v: number) => PAD.t + (1 - v / max) * (H - PAD.t - PAD.b);
  const paths = series.map((s) => {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  });
  // Points with no neighbour draw no line: mark them (and every series' newest point) with a dot.
  const dots = series.flatMap((s, si) =>
    s.values.flatMap((v, i) => {
      if (v === null || !Number.isFinite(v)) return [];
      const prev = s.values[i - 1];
      const next = s.values[i + 1];
      const alone = (prev === null || prev === undefined) && (next === null || next === undefined);
      return alone || i === s.values.length - 1 ? [{ key: `${si}-${i}`, cx: x(i), cy: y(v), color: s.color ?? COLORS[si % COLORS.length]! }] : [];
    }),
  );
  const hhmm = (iso: string | undefined) => (iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '');
  const latest = series.map((s) => [...s.values].reverse().find((v) => v !== null && v !== undefined) ?? null);
  return (
    <figure className="card" style={{ margin: 0 }} data-testid={testId} data-points={all.length}>
      <div className="spread">
        <h3>{title}</h3>
        <div className="legend">
          {series.map((s, i) => (
            <span key={`${i}-${s.name}`}>
              <i style={{ background: s.color ?? COLORS[i % COLORS.length] }} />
              {s.name} {latest[i] !== null ? <b>{format(latest[i]!)}</b> : '–'}
            </span>
          ))}
        </div>
      </div>
      <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line className="grid-line" x1={PAD.l} x2={W - PAD.r} y1={y(max * f)} y2={y(max * f)} />
            <text className="axis" x={PAD.l - 6} y={y(max * f) + 3} textAnchor="end">
              {format(max * f)}
            </text>
          </g>
        ))}
        <text className="axis" x={PAD.l} y={H - 6}>
          {hhmm(times[0])}
        </text>
        <text className="axis" x={W - PAD.r} y={H - 6} textAnchor="end">
          {hhmm(times.at(-1))}
        </text>
        {paths.map((d, i) => (d ? <path key={`${i}-${series[i]!.name}`} className="series" d={d} stroke={series[i]!.color ?? COLORS[i % COLORS.length]} /> : null))}
        {dots.map((d) => (
          <circle key={d.key} cx={d.cx} cy={d.cy} r={2.6} fill={d.color} />
        ))}
        {all.length === 0 ? (
          <text className="axis" x={W / 2} y={H / 2} textAnchor="middle">
            No data in this window
          </text>
        ) : null}
      </svg>
    </figure>
  );
}
