import { describe, expect, it } from 'vitest';
import { ago, colorsOn, firstLine, formatError, humanBytes, layoutTable, renderTable, terminalWidth, truncate, waitFor, type Paint } from './output';

const cols = [{ header: 'Name' }, { header: 'Description', shrink: true }, { header: 'When' }];
const rows = [
  ['v12', 'Deploy 1234567 with a rather long description that goes on', '3m ago'],
  ['v11', 'Set A config var', '1h ago'],
];

describe('tables', () => {
  it('keeps natural widths when there is room', () => {
    const lines = renderTable(cols, rows, 200);
    expect(lines[0]).toBe('Name  Description                                                 When');
    expect(lines[1]).toBe('v12   Deploy 1234567 with a rather long description that goes on  3m ago');
    expect(lines[2]).toBe('v11   Set A config var                                            1h ago');
  });

  it('truncates the shrinkable columns with … to fit the width', () => {
    const lines = renderTable(cols, rows, 40);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(40);
    expect(lines[1]).toBe('v12   Deploy 1234567 with a rat…  3m ago');
    expect(lines[2]).toBe('v11   Set A config var            1h ago');
    expect([...lines[1]!].length).toBe(40);
  });

  it('shrinks the widest shrinkable column first, never below its header', () => {
    const c = [{ header: 'A', shrink: true }, { header: 'Long header', shrink: true }];
    const { widths } = layoutTable(c, [['x'.repeat(30), 'y'.repeat(12)]], 30);
    expect(widths).toEqual([16, 12]);
    const tight = layoutTable(c, [['x'.repeat(30), 'y'.repeat(40)]], 10);
    expect(tight.widths).toEqual([5, 11]); // cannot fit: stops at the minimums
  });

  it('does not truncate without a width (output piped)', () => {
    expect(renderTable(cols, rows)[1]).toContain('goes on');
  });

  it('has no trailing spaces and flattens newlines in cells', () => {
    const lines = renderTable([{ header: 'A' }, { header: 'B' }], [['x', ''], ['multi\nline', 'y']]);
    expect(lines).toEqual(['A           B', 'x', 'multi line  y']);
  });

  it('colours after layout, so widths stay right', () => {
    const tag = (n: string) => (s: string) => `<${n}>${s}</${n}>`;
    const paint = { bold: tag('b'), red: tag('r') } as unknown as Paint;
    const lines = renderTable([{ header: 'S', style: (v) => (v === 'failed' ? 'red' : undefined) }, { header: 'X' }], [['failed', '1'], ['ok', '2']], undefined, paint);
    expect(lines).toEqual(['<b>S     </b>  <b>X</b>', '<r>failed</r>  1', 'ok      2']);
  });

  it('truncates by characters', () => {
    expect(truncate('héllo wörld', 6)).toBe('héllo…');
    expect(truncate('short', 6)).toBe('short');
  });
});

const env = (vars: Record<string, string>) => vars as unknown as NodeJS.ProcessEnv;

describe('terminal', () => {
  const tty = { isTTY: true, columns: 77 } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;

  it('uses colours only on a TTY without NO_COLOR', () => {
    expect(colorsOn(tty, env({}))).toBe(true);
    expect(colorsOn(tty, env({ NO_COLOR: '1' }))).toBe(false);
    expect(colorsOn(pipe, env({}))).toBe(false);
  });

  it('takes the width from the TTY, else COLUMNS, else none', () => {
    expect(terminalWidth(tty, env({ COLUMNS: '50' }))).toBe(77);
    expect(terminalWidth(pipe, env({ COLUMNS: '50' }))).toBe(50);
    expect(terminalWidth(pipe, env({}))).toBeUndefined();
  });

  it('formats errors Heroku-style', () => {
    expect(formatError('Nope.\nTry this.')).toBe(' ▸    Nope.\n      Try this.');
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    expect(ago('2026-01-10T11:59:30Z', now)).toBe('30s ago');
    expect(ago('2026-01-10T11:00:00Z', now)).toBe('1h ago');
    expect(ago('2025-12-01T00:00:00Z', now)).toBe('2025-12-01');
    expect(ago(null, now)).toBe('');
    expect(ago('2026-01-10T11:58:00Z', now)).toBe('2m ago');
    expect(ago('2026-01-10T11:57:59Z', now)).toBe('2m ago');
    expect(ago('2026-01-08T12:00:00Z', now)).toBe('2d ago');
    expect(ago('not a date', now)).toBe('not a date');
  });

  it('treats a server clock slightly ahead as now, and a future date as a date', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    expect(ago('2026-01-10T12:00:02Z', now)).toBe('0s ago');
    expect(ago('2026-01-11T12:00:00Z', now)).toBe('2026-01-11 12:00:00Z');
  });
});

describe('sizes and messages', () => {
  it('prints bytes in binary units', () => {
    const MB = 1024 * 1024;
    expect(humanBytes(0)).toBe('0 B');
    expect(humanBytes(512)).toBe('512 B');
    expect(humanBytes(256 * MB)).toBe('256 MB');
    expect(humanBytes(1024 * MB)).toBe('1 GB');
    expect(humanBytes(1536 * MB)).toBe('1.5 GB');
    expect(humanBytes(2560 * MB)).toBe('2.5 GB');
    expect(humanBytes(16 * 1024 * MB)).toBe('16 GB');
    expect(humanBytes(8.4 * 1024 * MB)).toBe('8.4 GB');
  });

  it('takes the first non-empty line of a message', () => {
    expect(firstLine('\n  Error: boom  \n    at x')).toBe('Error: boom');
    expect(firstLine(null)).toBe('');
    expect(firstLine('')).toBe('');
  });
});

describe('waitFor', () => {
  const sink = () => {
    let text = '';
    return { stream: { isTTY: false, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream, text: () => text };
  };

  it('polls until done', async () => {
    const s = sink();
    let n = 0;
    const value = await waitFor('Waiting', async () => ({ done: ++n === 3, value: n }), { intervalMs: 1, timeoutMs: 5000, onTimeout: () => new Error('late'), stream: s.stream });
    expect(value).toBe(3);
    expect(s.text()).toBe('Waiting... done\n');
  });

  it('gives up after the timeout with the last value', async () => {
    const s = sink();
    await expect(
      waitFor('Waiting', async () => ({ done: false, value: 'web 1/3 up' }), { intervalMs: 5, timeoutMs: 20, onTimeout: (last) => new Error(`still ${last}`), stream: s.stream }),
    ).rejects.toThrow('still web 1/3 up');
    expect(s.text()).toBe('Waiting... timed out\n');
  });

  it('stops the spinner when a request fails', async () => {
    const s = sink();
    await expect(waitFor('Waiting', () => Promise.reject(new Error('API down')), { intervalMs: 1, timeoutMs: 20, onTimeout: () => new Error('late'), stream: s.stream })).rejects.toThrow('API down');
    expect(s.text()).toBe('Waiting... failed\n');
  });
});
