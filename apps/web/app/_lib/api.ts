/**
 * The dashboard's only way to the API: same-origin fetches to /api/v1 with the session cookie
 * and the CSRF header, errors as ApiError ({ status, id, message }), NDJSON streams as async
 * iterables.
 */
export const API = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
  ) {
    super(message);
  }
}

const HEADERS = { 'x-gantry-csrf': '1' };

/** The page is logging out: its own navigation to /login must not be aborted by another one. */
let leaving = false;

/** From now on toLogin does nothing (the 401s of requests still on their way, once the session is gone). */
export function stopLoginRedirects(): void {
  leaving = true;
}

/** Send people without a session to the login page, back here afterwards. */
export function toLogin(): void {
  if (typeof window === 'undefined' || leaving || window.location.pathname === '/login') return;
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}

export async function api<T>(path: string, opts: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const res = await fetch(API + path, {
    method: opts.method ?? 'GET',
    credentials: 'same-origin',
    headers: opts.body === undefined ? HEADERS : { ...HEADERS, 'content-type': 'application/json' },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    ...(opts.signal ? { signal: opts.signal } : {}),
    cache: 'no-store',
  });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as (T & { error?: { id: string; message: string } }) | null;
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/auth/session')) toLogin();
    throw new ApiError(res.status, data?.error?.id ?? 'http_' + res.status, data?.error?.message ?? `${res.status} ${res.statusText}`);
  }
  return data as T;
}

/** Reads an NDJSON answer entry by entry (blank keep-alive lines skipped) until it ends or is aborted. */
export async function* ndjson<T>(path: string, signal: AbortSignal): AsyncGenerator<T> {
  const res = await fetch(API + path, { credentials: 'same-origin', headers: HEADERS, signal, cache: 'no-store' });
  if (!res.ok || !res.body) {
    if (res.status === 401) toLogin();
    const data = (await res.json().catch(() => null)) as { error?: { id: string; message: string } } | null;
    throw new ApiError(res.status, data?.error?.id ?? 'http_' + res.status, data?.error?.message ?? `${res.status} ${res.statusText}`);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parts = (rest + value).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) yield JSON.parse(p) as T;
  }
  if (rest.trim()) yield JSON.parse(rest) as T;
}

export const appPath = (app: string, rest = '') => `/apps/${encodeURIComponent(app)}${rest}`;
