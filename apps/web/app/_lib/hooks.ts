'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ndjson } from './api';

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => Promise<void>;
}

/** GETs `path` now and every `intervalMs` (while the tab is visible); null pauses. */
export function usePoll<T>(path: string | null, intervalMs = 2500): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(path !== null);
  const current = useRef(path);
  current.current = path;

  const reload = useCallback(async () => {
    const p = current.current;
    if (p === null) return;
    try {
      const d = await api<T>(p);
      if (current.current === p) {
        setData(d);
        setError(undefined);
      }
    } catch (e) {
      if (current.current === p) setError(e as Error);
    } finally {
      if (current.current === p) setLoading(false);
    }
  }, []);

  useEffect(() => {
    if (path === null) return;
    setLoading(true);
    setData(undefined);
    void reload();
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, intervalMs);
    return () => clearInterval(t);
  }, [path, intervalMs, reload]);

  return { data, error, loading, reload };
}

/**
 * Follows an NDJSON stream: every entry goes to `onEntry`; reconnects after 2 s when the stream
 * breaks (unless `once`, for streams that end by themselves). null pauses.
 */
export function useStream<T>(path: string | null, onEntry: (e: T) => void, opts: { once?: boolean } = {}): { live: boolean; error: Error | undefined } {
  const [live, setLive] = useState(false);
  const [error, setError] = useState<Error>();
  const handler = useRef(onEntry);
  handler.current = onEntry;
  useEffect(() => {
    if (path === null) return;
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Every state change is skipped once this effect is cleaned up: an aborted run must not
    // overwrite the state of the run that replaced it.
    const alive = () => !ctrl.signal.aborted;
    const run = async () => {
      try {
        setLive(true);
        setError(undefined);
        for await (const e of ndjson<T>(path, ctrl.signal)) handler.current(e);
        if (!alive()) return;
        setLive(false);
        if (!opts.once) timer = setTimeout(run, 2000);
      } catch (e) {
        if (!alive()) return;
        setLive(false);
        setError(e as Error);
        timer = setTimeout(run, 2000);
      }
    };
    void run();
    return () => {
      ctrl.abort();
      clearTimeout(timer);
    };
  }, [path, opts.once]);
  return { live, error };
}

/** Runs a write, remembers it is busy and its error. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = useCallback(async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}
