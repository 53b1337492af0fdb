'use client';
import { useState, type FormEvent } from 'react';
import { api } from '../_lib/api';

/** Email and password -> POST /auth/session (sets the session cookie) -> where the user was going. */
export default function LoginPage() {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      await api('/auth/session', { method: 'POST', body: { email: form.get('email'), password: form.get('password') } });
      const next = new URLSearchParams(window.location.search).get('next');
      window.location.assign(next && next.startsWith('/') && !next.startsWith('//') ? next : '/apps');
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <div className="card stack">
        <div className="brand">
          <span className="brand-mark" aria-hidden /> Gantry
        </div>
        <h1>Log in</h1>
        <form onSubmit={(e) => void submit(e)}>
          <label>
            Email
            <input name="email" type="email" autoComplete="username" required autoFocus />
          </label>
          <label>
            Password
            <input name="password" type="password" autoComplete="current-password" required />
          </label>
          {error ? (
            <div className="alert bad" role="alert">
              {error}
            </div>
          ) : null}
          <button className="primary" type="submit" disabled={busy}>
            {busy ? 'Logging in…' : 'Log in'}
          </button>
        </form>
      </div>
    </main>
  );
}
