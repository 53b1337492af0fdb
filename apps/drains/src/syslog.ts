/**
 * Log lines as syslog messages, the way Heroku's drains send them: RFC 5424, one message per
 * line, framed by octet counting (RFC 6587) so a line may hold any bytes:
 *
 *   <190>1 2026-11-21T13:00:00.123Z d.8a05ac1d-... app web.1 - - the line
 *   │      │                        │             │   │     │ └ no structured data
 *   │      │                        │             │   │     └ no MSGID
 *   │      │                        │             │   └ PROCID: the process (web.1, router, build)
 *   │      │                        │             └ APP-NAME: the line's source (app, router, build, gantry)
 *   │      │                        └ HOSTNAME: the drain token, so a collector can tell drains apart
 *   │      └ VERSION 1, TIMESTAMP in UTC (ms)
 *   └ PRI: facility local7 (23) * 8 + severity info (6)
 *
 * Pure: no sockets here. The same frames make the body of HTTP drains (logplex.ts).
 */
import type { LogEntry } from '@gantry/live';

export const PRI_LOCAL7_INFO = 23 * 8 + 6;

/** RFC 5424 header fields: printable US-ASCII, no spaces, bounded length; "-" when empty. */
export function headerField(value: string, maxLength: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, maxLength);
  return clean.length > 0 ? clean : '-';
}

export function syslogMessage(entry: Pick<LogEntry, 'time' | 'source' | 'process' | 'line'>, token: string): string {
  const time = new Date(entry.time).toISOString();
  return `<${PRI_LOCAL7_INFO}>1 ${time} ${headerField(token, 255)} ${headerField(entry.source, 48)} ${headerField(entry.process, 128)} - - ${entry.line}`;
}

/** Octet counting: "<length in bytes> <message>". */
export function octetFrame(message: string): string {
  return `${Buffer.byteLength(message, 'utf8')} ${message}`;
}

/** One string holding every entry as a framed message, ready for one socket write or HTTP body. */
export function framedBatch(entries: readonly Pick<LogEntry, 'time' | 'source' | 'process' | 'line'>[], token: string): string {
  let out = '';
  for (const e of entries) out += octetFrame(syslogMessage(e, token));
  return out;
}

/** Splits a stream of octet-counted frames (what a receiver does); returns messages and the incomplete rest. */
export function parseFrames(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let at = 0;
  for (;;) {
    const space = buf.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(buf.subarray(at, space).toString('ascii'));
    if (!Number.isInteger(len) || len < 0) throw new Error(`bad frame length at byte ${at}`);
    if (space + 1 + len > buf.length) break;
    messages.push(buf.subarray(space + 1, space + 1 + len).toString('utf8'));
    at = space + 1 + len;
  }
  return { messages, rest: buf.subarray(at) };
}
