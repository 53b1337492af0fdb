'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import type { AppInfoView } from '@gantry/api-client';
import { Badge, ErrorBox } from '../../../_components/session';
import { appPath } from '../../../_lib/api';
import { usePoll } from '../../../_lib/hooks';
import type { AppSummary } from '../../../_lib/types';
import { AppContext, useAppName } from './app-context';

const TABS = [
  ['', 'Overview'],
  ['/deploys', 'Deploys'],
  ['/releases', 'Releases'],
  ['/config', 'Config'],
  ['/logs', 'Logs'],
  ['/cron', 'Scheduler'],
  ['/metrics', 'Metrics'],
  ['/domains', 'Domains & drains'],
  ['/addons', 'Add-ons'],
] as const;

/** An app's header (name, state, URL, role) and tabs; its data is shared with the tab pages. */
export default function AppLayout({ children }: { children: ReactNode }) {
  const name = useAppName();
  const path = usePathname();
  const summary = usePoll<AppSummary>(`/dashboard${appPath(name)}`, 3000);
  const info = usePoll<AppInfoView>(appPath(name), 3000);
  const base = `/apps/${encodeURIComponent(name)}`;
  const s = summary.data;
  const canWrite = s?.canWrite ?? false;
  return (
    <AppContext.Provider value={{ name, summary, info, canWrite }}>
      <div className="page-head">
        <div className="row">
          <Link href="/apps" className="muted">
            Apps /
          </Link>
          <h1>{name}</h1>
          {s ? <Badge state={s.state} /> : null}
          {s && !s.canWrite ? <span className="badge" data-testid="read-only">read-only ({s.role})</span> : null}
        </div>
        {s ? (
          <a href={s.url} target="_blank" rel="noreferrer">
            {s.url.replace(/^https?:\/\//, '')} ↗
          </a>
        ) : null}
      </div>
      <nav className="tabs">
        {TABS.map(([suffix, label]) => {
          const href = base + suffix;
          const active = suffix === '' ? path === base : path.startsWith(href);
          return (
            <Link key={suffix} href={href} className={active ? 'active' : ''}>
              {label}
            </Link>
          );
        })}
      </nav>
      {summary.error && !s ? <ErrorBox error={summary.error} /> : children}
    </AppContext.Provider>
  );
}
