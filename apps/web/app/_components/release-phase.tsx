'use client';
import { useEffect, useRef, useState } from 'react';
import { api } from '../_lib/api';
import { ErrorBox } from './session';

interface PhaseOutput {
  version: number;
  status: string;
  lines: string[];
  next: number;
  running: boolean;
}

/**
 * The release phase's output of one release (release command, Dokku predeploy): followed every
 * second while it runs, then kept as it ended.
 */
export function ReleasePhaseOutput({ app, version }: { app: string; version: number }) {
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState<{ running: boolean; status: string } | null>(null);
  const [error, setError] = useState<Error>();
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    let after = 0;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const out = await api<PhaseOutput>(`/apps/${encodeURIComponent(app)}/releases/${version}/output?after=${after}`);
        if (stop) return;
        if (out.lines.length) setLines((l) => [...l, ...out.lines]);
        after = out.next;
        setState({ running: out.running, status: out.status });
        setError(undefined);
        // Still running, or not started yet: more may come.
        if (out.running || out.status === 'pending') timer = setTimeout(() => void tick(), 1000);
      } catch (e) {
        if (!stop) setError(e as Error);
      }
    };
    void tick();
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
  }, [app, version]);
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [lines]);
  return (
    <div className="stack" data-testid="release-phase" data-version={version}>
      <h3 style={{ margin: 0 }}>Release phase of v{version}</h3>
      <ErrorBox error={error} />
      <pre className="console" ref={pre} data-testid="release-output" data-running={state?.running ? '1' : '0'}>
        {lines.length ? lines.join('\n') : <span className="t">{state === null ? 'Loading…' : state.running || state.status === 'pending' ? 'Waiting for output…' : 'No release phase ran for this release (no release command in its Procfile).'}</span>}
      </pre>
    </div>
  );
}
