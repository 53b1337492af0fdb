/** Whether a certificate name (possibly "*.example.com") covers a hostname (one label deep). */
export function nameCovers(pattern: string, hostname: string): boolean {
  const p = pattern.toLowerCase();
  const h = hostname.toLowerCase();
  if (!p.startsWith('*.')) return p === h;
  const rest = h.indexOf('.');
  return rest > 0 && h.slice(rest + 1) === p.slice(2);
}
