'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { UserView } from '@gantry/api-client';
import { api, stopLoginRedirects, toLogin } from '../_lib/api';

const SessionContext = createContext<UserView | null>(null);

/** The signed-in user; null while GET /me is on its way (pages load their own data meanwhile). */
export function useUser(): UserView | null {
  return useContext(SessionContext);
}

/** The dashboard frame: checks the session (GET /me), top bar with navigation and logout. */
export function Shell({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<UserView | null>(null);
  const [error, setError] = useState<string>();
  const path = usePathname();
  useEffect(() => {
    api<UserView>('/me')
      .then(setUser)
      .catch((e: Error & { status?: number }) => (e.status === 401 ? toLogin() : setError(e.message)));
  }, []);
  const logout = async () => {
    // Requests of the page still on their way get 401s once the session is gone: their
    // redirects to /login?next=... would abort this one.
    stopLoginRedirects();
    await api('/auth/session', { method: 'DELETE' }).catch(() => {});
    window.location.assign('/login');
  };
  const nav = [
    { href: '/apps', label: 'Apps' },
    ...(user?.isAdmin ? [{ href: '/cluster', label: 'Cluster' }] : []),
    { href: '/team', label: 'Team' },
  ];
  return (
    <>
      <header className="topbar">
        <div className="topbar-inner">
          <Link href="/apps" className="brand">
            <span className="brand-mark" aria-hidden /> Gantry
          </Link>
          <nav className="nav">
            {nav.map((n) => (
              <Link key={n.href} href={n.href} className={path.startsWith(n.href) ? 'active' : ''}>
                {n.label}
              </Link>
            ))}
          </nav>
          {user ? (
            <div className="who">
              <span className="email" data-testid="user-email">{user.email}</span>
              <button className="small" onClick={() => void logout()}>
                Log out
              </button>
            </div>
          ) : null}
        </div>
      </header>
      <main>
        {error ? <div className="alert bad">Cannot reach the API: {error}</div> : null}
        {/* Pages start loading at once, beside GET /me: a missing session sends them to /login anyway. */}
        {!error ? <SessionContext.Provider value={user}>{children}</SessionContext.Provider> : null}
      </main>
    </>
  );
}

export function Loading({ rows = 3 }: { rows?: number }) {
  return (
    <div aria-busy="true" aria-label="Loading">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton" style={{ width: `${90 - i * 12}%` }} />
      ))}
    </div>
  );
}

export function ErrorBox({ error }: { error: Error | string | undefined }) {
  if (!error) return null;
  return (
    <div className="alert bad" role="alert">
      {typeof error === 'string' ? error : error.message}
    </div>
  );
}

const TONE: Record<string, string> = {
  running: 'ok', up: 'ok', succeeded: 'ok', healthy: 'ok', current: 'ok',
  deploying: 'info pulse', releasing: 'info pulse', superseded: '', building: 'info pulse', starting: 'info pulse', queued: 'info', pending: 'info', stopping: 'warn', draining: 'warn',
  crashed: 'bad', failed: 'bad', lost: 'bad', unhealthy: 'warn', down: 'bad',
  idle: '', stopped: '',
};

export function Badge({ state, label }: { state: string; label?: string }) {
  return <span className={`badge ${TONE[state] ?? ''}`}>{label ?? state}</span>;
}
