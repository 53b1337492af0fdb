import { describe, expect, it } from 'vitest';
import { escapeHtml, noInstancesPage, notFoundPage, unreachablePage } from './pages';

describe('pages', () => {
  it('names the host and the request id, escaping what the client sent', () => {
    const p = notFoundPage('<img src=x onerror=alert(1)>.localhost', 'localhost', 'rid-1234567890123456789');
    expect(p.status).toBe(404);
    expect(p.html).toContain('No app at &#60;img src=x onerror=alert(1)&#62;.localhost');
    expect(p.html).not.toContain('<img');
    expect(p.html).toContain('rid-1234567890123456789');
  });

  it('has 503 pages for no instances and unreachable instances', () => {
    expect(noInstancesPage('myapp', 'r').html).toContain('myapp has no running instances');
    expect(unreachablePage('myapp', 'r')).toMatchObject({ status: 503 });
    expect(unreachablePage('myapp', 'r').html).toContain('could not reach any instance');
  });

  it('escapes the HTML specials', () => {
    expect(escapeHtml(`<a href="x">&'`)).toBe('&#60;a href=&#34;x&#34;&#62;&#38;&#39;');
  });
});
