import { describe, expect, it } from 'vitest';
import { ago, colorsOn, formatError, layoutTable, renderTable, terminalWidth, truncate, type Paint } from './output';

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
  });
});
