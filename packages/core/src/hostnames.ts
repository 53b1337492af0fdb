import { InvalidInput } from './errors';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Lowercases and checks a custom domain: DNS labels, at least two of them, no wildcard. */
export function normalizeDomain(input: string): string {
  const host = input.trim().toLowerCase().replace(/\.$/, '');
  const labels = host.split('.');
  if (host.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l))) {
    throw new InvalidInput(`Invalid domain ${JSON.stringify(input)}: use a hostname like www.example.com.`);
  }
  return host;
}

/** Whether a certificate name (possibly "*.example.com") covers a hostname (one label deep). */
export function nameCovers(pattern: string, hostname: string): boolean {
  const p = pattern.toLowerCase();
  const h = hostname.toLowerCase();
  if (!p.startsWith('*.')) return p === h;
  const rest = h.indexOf('.');
  return rest > 0 && h.slice(rest + 1) === p.slice(2);
}
