/**
 * Log lines gathered and written once per turn of the event loop instead of once each: with
 * stdout on a file or a pipe every write is a synchronous syscall, which under load cost more
 * than the rest of the access log. Lines keep their order (the diagnostic log and the access
 * log share one writer); at most one turn's lines wait, and `flush` (also on process exit)
 * writes them at once.
 */
const MAX_PENDING = 64 * 1024;

export interface LineWriter {
  write(line: string): void;
  flush(): void;
}

export function createLineWriter(out: (chunk: string) => void): LineWriter {
  let pending = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    out(chunk);
  };
  return {
    write(line: string): void {
      pending += line;
      if (pending.length >= MAX_PENDING) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
