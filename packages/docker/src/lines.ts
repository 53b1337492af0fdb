import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';

/** Calls onLine for every complete line written (a trailing partial line is flushed at end). */
export function lineWriter(onLine: (line: string) => void): PassThrough {
  let rest = '';
  const out = new PassThrough();
  out.setEncoding('utf8');
  out.on('data', (chunk: string) => {
    const parts = (rest + chunk).split(/\r?\n/);
    rest = parts.pop() ?? '';
    for (const p of parts) onLine(p);
  });
  out.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
  return out;
}

/**
 * Splits a multiplexed Docker stream (attach/exec/logs without a TTY) into stdout and stderr
 * lines. Resolves when the stream ends.
 */
export function demuxLines(
  docker: Docker,
  stream: Readable,
  onLine: (line: string, source: 'stdout' | 'stderr') => void,
): Promise<void> {
  const stdout = lineWriter((l) => onLine(l, 'stdout'));
  const stderr = lineWriter((l) => onLine(l, 'stderr'));
  docker.modem.demuxStream(stream, stdout, stderr);
  return new Promise((resolve, reject) => {
    stream.on('end', () => {
      stdout.end();
      stderr.end();
      resolve();
    });
    stream.on('close', () => {
      stdout.end();
      stderr.end();
      resolve();
    });
    stream.on('error', reject);
  });
}
