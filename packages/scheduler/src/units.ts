const MB = 1024 * 1024;
const GB = 1024 * MB;

/**
 * Bytes for humans: MB below 1 GB (one decimal at most), GB above (two at most), trailing zeros
 * dropped: 536870912 -> "512 MB", 1610612736 -> "1.5 GB". `round` says which way to round the
 * last digit, so a shortfall never reads as enough: "needs 512 MB" (up), "511.9 MB free" (down).
 */
export function formatBytes(bytes: number, round: 'up' | 'down' = 'down'): string {
  const [unit, name, digits] = bytes >= GB ? [GB, 'GB', 2] : [MB, 'MB', 1];
  const scale = 10 ** digits;
  const scaled = (bytes / unit) * scale;
  // The epsilon keeps exact values exact through the float division (1.15 GB is not 1.14 GB).
  const rounded = round === 'up' ? Math.ceil(scaled - 1e-6) : Math.floor(scaled + 1e-6);
  return `${rounded / scale} ${name}`;
}
