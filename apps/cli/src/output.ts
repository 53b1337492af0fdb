import { formatSize } from '@gantry/config';
/**
 * Terminal output: tables that fit the terminal, colours (only on a TTY without NO_COLOR), a
 * spinner (only on a TTY), and the ` ▸    ` error style. Data goes to stdout, progress and errors
 * to stderr, so `gantry apps --json | jq` and friends see only data.
 */

type Stream = NodeJS.WriteStream;

export function colorsOn(stream: Stream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

const sgr = (open: number, close: number) => (on: boolean) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);
const STYLES = { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39), magenta: sgr(35, 39) };
export type Style = keyof typeof STYLES;
export type Paint = Record<Style, (s: string) => string>;

function painter(stream: Stream): Paint {
  const on = colorsOn(stream);
  return Object.fromEntries(Object.entries(STYLES).map(([k, f]) => [k, f(on)])) as Paint;
}

/** Colours for stdout and for stderr (decided separately: one may be piped). */
export const out = painter(process.stdout);
export const err = painter(process.stderr);

export function print(line = ''): void {
  process.stdout.write(line + '\n');
}

export function info(line = ''): void {
  process.stderr.write(line + '\n');
}

export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** ` ▸    message`, every line indented alike. */
export function formatError(message: string): string {
  return message
    .trimEnd()
    .split('\n')
    .map((l, i) => (i === 0 ? ` ${err.red('▸')}    ${l}` : `      ${l}`))
    .join('\n');
}

export function warn(message: string): void {
  info(formatError(message));
}

/** "=== title" Heroku-style heading. */
export function heading(title: string): void {
  print(out.bold(`=== ${title}`));
}

/** Aligned "Key: value" lines. */
export function printFields(fields: [string, string][]): void {
  const w = Math.max(...fields.map(([k]) => k.length + 1));
  for (const [k, v] of fields) print(`${out.bold((k + ':').padEnd(w))} ${v}`);
}

// ------------------------------------------------------------------------------------------
// Tables

export interface Column {
  header: string;
  /** May be truncated with … when the table is wider than the terminal. */
  shrink?: boolean;
  /** Colour of a cell, applied after layout so widths stay right. */
  style?: (value: string, row: number) => Style | undefined;
}

const len = (s: string) => [...s].length;

export function truncate(s: string, width: number): string {
  if (len(s) <= width) return s;
  if (width <= 0) return '';
  return [...s].slice(0, width - 1).join('') + '…';
}

/**
 * Lays out a table as plain lines (header first). With a width, the shrinkable columns are
 * narrowed (widest first, down to their header's width, at least 5) until the table fits; other
 * columns keep their width. Cells never contain newlines.
 */
export function layoutTable(columns: Column[], rows: string[][], width?: number): { widths: number[]; lines: string[][] } {
  const cells = rows.map((r) => columns.map((_, i) => (r[i] ?? '').replace(/\s*\n\s*/g, ' ')));
  const widths = columns.map((c, i) => Math.max(len(c.header), ...cells.map((r) => len(r[i]!))));
  const GAP = 2;
  if (width !== undefined && width > 0) {
    let excess = widths.reduce((a, b) => a + b, 0) + GAP * (columns.length - 1) - width;
    const min = columns.map((c) => Math.max(len(c.header), 5));
    while (excess > 0) {
      let pick = -1;
      for (let i = 0; i < columns.length; i++) {
        if (columns[i]!.shrink && widths[i]! > min[i]! && (pick < 0 || widths[i]! > widths[pick]!)) pick = i;
      }
      if (pick < 0) break;
      widths[pick]!--;
      excess--;
    }
  }
  const lines = [columns.map((c) => c.header), ...cells].map((r) => r.map((cell, i) => truncate(cell, widths[i]!)));
  return { widths, lines };
}

/** Renders the table as strings, padded, with optional colours. */
export function renderTable(columns: Column[], rows: string[][], width?: number, paint?: Paint): string[] {
  const { widths, lines } = layoutTable(columns, rows, width);
  return lines.map((cells, r) =>
    cells
      .map((cell, i) => {
        const last = i === cells.length - 1;
        const padded = last ? cell : cell + ' '.repeat(widths[i]! - len(cell));
        if (!paint) return padded;
        if (r === 0) return paint.bold(padded);
        const style = columns[i]!.style?.(rows[r - 1]![i] ?? '', r - 1);
        return style ? paint[style](padded) : padded;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** Terminal width for tables: the TTY's columns, else $COLUMNS, else no limit (pipes get it all). */
export function terminalWidth(stream: Stream = process.stdout, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (stream.isTTY && stream.columns) return stream.columns;
  const n = Number(env.COLUMNS);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function printTable(columns: Column[], rows: string[][]): void {
  for (const line of renderTable(columns, rows, terminalWidth(), out)) print(line);
}

// ------------------------------------------------------------------------------------------
// Spinner and times

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Spinner {
  update(text: string): void;
  /** Ends the line with `result` (e.g. "done"). */
  stop(result: string): void;
}

/** "text... ⠋" on stderr while waiting; off a TTY just "text... result" once. */
export function spinner(text: string, stream: Stream = process.stderr): Spinner {
  if (!stream.isTTY) {
    stream.write(`${text}... `);
    return { update: () => {}, stop: (result) => void stream.write(result + '\n') };
  }
  let current = text;
  let i = 0;
  const draw = () => stream.write(`\r\x1b[2K${current}... ${err.cyan(FRAMES[i++ % FRAMES.length]!)}`);
  draw();
  const timer = setInterval(draw, 80);
  return {
    update: (t) => {
      current = t;
    },
    stop: (result) => {
      clearInterval(timer);
      stream.write(`\r\x1b[2K${current}... ${result}\n`);
    },
  };
}

/** Runs a request behind a spinner: "label... done" (or "failed", before the error is reported). */
export async function withSpinner<T>(label: string, run: () => Promise<T>, result: (value: T) => string = () => 'done'): Promise<T> {
  const spin = spinner(label);
  try {
    const value = await run();
    spin.stop(result(value));
    return value;
  } catch (e) {
    spin.stop('failed');
    throw e;
  }
}

/** "3 minutes ago" for recent times, else the date. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  let s = Math.round((now - t) / 1000);
  if (s < 0 && s >= -60) s = 0; // a server clock a little ahead
  if (s < 0) return new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  if (s < 7 * 86400) return `${Math.floor(s / 86400)}d ago`;
  return new Date(t).toISOString().slice(0, 10);
}


/** 536870912 -> "512 MB", 1610612736 -> "1.5 GB". */
export const humanBytes = formatSize;

/** The first non-empty line of a message ("" for none). */
export function firstLine(message: string | null | undefined): string {
  return (message ?? '').split('\n').find((l) => l.trim())?.trim() ?? '';
}

/**
 * Polls `check` every `intervalMs` until it returns done, with a spinner showing its text; after
 * `timeoutMs` the spinner stops with "timed out" and `onTimeout`'s error is thrown.
 */
export async function waitFor<T>(
  label: string,
  check: () => Promise<{ done: boolean; text?: string; value: T }>,
  opts: { intervalMs: number; timeoutMs: number; onTimeout: (last: T) => Error; stream?: Stream },
): Promise<T> {
  const spin = spinner(label, opts.stream);
  const deadline = Date.now() + opts.timeoutMs;
  let last: T;
  try {
    for (;;) {
      const r = await check();
      if (r.done) {
        spin.stop('done');
        return r.value;
      }
      last = r.value;
      spin.update(r.text ? `${label} (${r.text})` : label);
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, opts.intervalMs));
    }
  } catch (e) {
    spin.stop('failed');
    throw e;
  }
  spin.stop('timed out');
  throw opts.onTimeout(last);
}
