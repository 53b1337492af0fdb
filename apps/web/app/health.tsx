'use client';
import { useEffect, useState } from 'react';

type Health = { ok: boolean; services: Record<string, { ok: boolean; detail?: string }> };

/** Live status of Gantry's services, refreshed every 5 s from /api/v1/health. */
export function Health() {
  const [health, setHealth] = useState<Health | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    const load = () =>
      fetch('/api/v1/health')
        .then((r) => r.json() as Promise<Health>)
        .then((h) => alive && (setHealth(h), setError(null)))
        .catch((e: Error) => alive && setError(e.message));
    void load();
    const t = setInterval(load, 5000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, []);
  if (error) return <p className="bad">Cannot reach the API: {error}</p>;
  if (!health) return <p className="muted">Loading…</p>;
  return (
    <ul className="health">
      {Object.entries(health.services).map(([name, s]) => (
        <li key={name}>
          <span className={s.ok ? 'ok' : 'bad'}>{s.ok ? '●' : '○'}</span> {name}
          {s.detail ? <span className="muted"> ({s.detail})</span> : null}
        </li>
      ))}
    </ul>
  );
}
