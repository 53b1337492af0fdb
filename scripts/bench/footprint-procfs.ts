/**
 * bench:footprint's reading of /proc files, as pure functions of their text (the adapter that
 * reads them is footprint-sample.ts). Sizes are in KiB, as the kernel writes them.
 *   /proc/<pid>/stat          ppid and start time (clock ticks after boot)
 *   /proc/<pid>/cmdline       argv, NUL-separated
 *   /proc/<pid>/status        VmRSS: resident set (counts shared pages in every process mapping them)
 *   /proc/<pid>/smaps_rollup  Rss and Pss (shared pages divided among the processes sharing them)
 *   /proc/uptime              seconds since boot, in hundredths: with the wall clock, the boot
 *                             time to ~10 ms (/proc/stat's btime is cut to whole seconds: up to
 *                             1 s off, which every start-to-ready time would carry)
 */

export interface StatFields {
  pid: number;
  /** The executable's name as the kernel keeps it (at most 15 characters). */
  comm: string;
  ppid: number;
  /** Field 22: when the process started, in clock ticks after boot. */
  startTicks: number;
}

/**
 * Parses /proc/<pid>/stat. The name sits in parentheses and may itself hold spaces and
 * parentheses, so the fields are counted from the last ')'.
 */
export function parseStat(text: string): StatFields {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 60))}`);
  // After the name: state (field 3), ppid (4), ... starttime (22): index 0 is field 3.
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const pid = Number(text.slice(0, open).trim());
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(startTicks)) throw new Error(`unreadable /proc/<pid>/stat: ${JSON.stringify(text.slice(0, 60))}`);
  return { pid, comm: text.slice(open + 1, close), ppid, startTicks };
}

/** argv from /proc/<pid>/cmdline (empty for kernel threads and zombies). */
export function parseCmdline(raw: string): string[] {
  const parts = raw.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

function kbField(text: string, field: string): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** VmRSS from /proc/<pid>/status, KiB; null when the process has no memory of its own (kernel thread, zombie). */
export function parseStatusRss(text: string): number | null {
  return kbField(text, 'VmRSS');
}

/** Rss and Pss from /proc/<pid>/smaps_rollup, KiB; null when the file holds neither (kernel thread). */
export function parseSmapsRollup(text: string): { rssKb: number; pssKb: number } | null {
  const rssKb = kbField(text, 'Rss');
  const pssKb = kbField(text, 'Pss');
  return rssKb === null || pssKb === null ? null : { rssKb, pssKb };
}

/** The boot time (epoch ms) from /proc/uptime's first field and the wall clock read with it. */
export function bootTimeMs(uptimeText: string, nowMs: number): number {
  const seconds = Number(uptimeText.trim().split(/\s+/)[0]);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`unreadable /proc/uptime: ${JSON.stringify(uptimeText.slice(0, 40))}`);
  return nowMs - Math.round(seconds * 1000);
}

/** A process's start as epoch ms, from its start ticks, the boot time (epoch ms) and the ticks per second (getconf CLK_TCK). */
export function startedAtMs(startTicks: number, bootMs: number, ticksPerSec: number): number {
  return bootMs + (startTicks * 1000) / ticksPerSec;
}
