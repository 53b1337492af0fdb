'use client';
import { useEffect, useRef, useState } from 'react';
import type { InstanceView, LogLineView } from '@gantry/api-client';
import { Badge, ErrorBox } from '../../../../_components/session';
import { appPath } from '../../../../_lib/api';
import { usePoll, useStream } from '../../../../_lib/hooks';
import { useApp } from '../app-context';

const KEEP = 2000;
const SOURCES = ['', 'app', 'router', 'build', 'gantry'] as const;

/** The app's log stream, live (GET /logs?tail=1 as NDJSON), filtered by process and source. */
export default function LogsPage() {
  const { name } = useApp();
  const [ps, setPs] = useState('');
  const [source, setSource] = useState('');
  const [paused, setPaused] = useState(false);
  const [lines, setLines] = useState<LogLineView[]>([]);
  const instances = usePoll<InstanceView[]>(appPath(name, '/ps'), 10_000);
  const pre = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  const q = new URLSearchParams({ tail: '1', lines: '200' });
  if (ps) q.set('ps', ps);
  if (source) q.set('source', source);
  const path = paused ? null : appPath(name, `/logs?${q}`);
  useEffect(() => setLines([]), [ps, source]);
  const stream = useStream<LogLineView>(path, (l) => setLines((old) => (old.some((o) => o.id === l.id) ? old : [...old, l].slice(-KEEP))));
  useEffect(() => {
    const el = pre.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  const types = [...new Set((instances.data ?? []).map((i) => i.type))];
  const procs = (instances.data ?? []).map((i) => i.process);
  return (
    <div className="stack">
      <div className="spread">
        <div className="field-row">
          <label>
            Process
            <select value={ps} onChange={(e) => setPs(e.target.value)} aria-label="process filter">
              <option value="">all processes</option>
              {[...types, ...procs].map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
          <label>
            Source
            <select value={source} onChange={(e) => setSource(e.target.value)} aria-label="source filter">
              {SOURCES.map((s) => (
                <option key={s} value={s}>
                  {s || 'all sources'}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="row">
          {stream.live ? <Badge state="running" label="live" /> : <Badge state="idle" label={paused ? 'paused' : 'connecting'} />}
          <button onClick={() => setPaused((p) => !p)}>{paused ? 'Resume' : 'Pause'}</button>
          <button onClick={() => setLines([])}>Clear</button>
        </div>
      </div>
      <ErrorBox error={stream.error} />
      <pre
        className="console"
        ref={pre}
        data-testid="logs"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {lines.length === 0 ? <span className="t">No log lines yet. Waiting…</span> : null}
        {lines.map((l) => (
          <div key={l.id}>
            <span className="t">{l.time.slice(11, 23)} </span>
            <span className={`src-${l.source}`}>
              {l.source}[{l.process}]:
            </span>{' '}
            {l.line}
          </div>
        ))}
      </pre>
    </div>
  );
}
