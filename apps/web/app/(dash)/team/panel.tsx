'use client';
import { useState, type ReactNode } from 'react';
import { ErrorBox, Loading } from '../../_components/session';
import type { ApiError } from '../../_lib/api';
import type { Polled } from '../../_lib/hooks';

/** A server without these routes (older Gantry) answers 404 "Route ..."; say so instead of failing. */
function missing(p: Polled<unknown>): boolean {
  return (p.error as ApiError | undefined)?.status === 404;
}

/** A card with a list: loading, error, empty, or its table. `extra` sits under the title. */
export function Panel({ title, list, empty, extra, children }: { title: string; list: Polled<unknown[]>; empty: string; extra?: ReactNode; children: ReactNode }) {
  return (
    <section className="card flush" aria-label={title}>
      <h2>{title}</h2>
      {extra ? <div style={{ padding: '0 20px 12px' }}>{extra}</div> : null}
      {missing(list) ? (
        <div className="empty">Not available on this Gantry server yet.</div>
      ) : list.error ? (
        <div style={{ padding: '0 20px 16px' }}>
          <ErrorBox error={list.error} />
        </div>
      ) : list.loading && !list.data ? (
        <div style={{ padding: 16 }}>
          <Loading />
        </div>
      ) : list.data?.length === 0 ? (
        <div className="empty">{empty}</div>
      ) : (
        <div className="table-wrap">{children}</div>
      )}
    </section>
  );
}

/** A secret or link shown once, with a button that copies it. */
export function Secret({ label, value, testId }: { label: string; value: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // No clipboard API (plain-HTTP host): select the text and use the older command.
      const input = document.querySelector<HTMLInputElement>(`[data-testid="${testId}"]`);
      input?.select();
      document.execCommand('copy');
    }
    setCopied(true);
  };
  return (
    <div className="field-row">
      <label className="grow">
        {label}
        <input readOnly value={value} data-testid={testId} className="mono" onFocus={(e) => e.currentTarget.select()} />
      </label>
      <button type="button" onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
