import { scoreList } from './report';
import type { PlacementReport } from './types';

/**
 * A placement report as lines for humans (`gantry ps:explain web.2`, the dashboard): the
 * outcome, each recorded rejection, the ranked hosts with their scores, and what was left out.
 * `slot` (e.g. "web.2") names the instance; the report itself does not carry it.
 *
 *   web.2 placed on host-b
 *     host-a  rejected by constraints: constraint region=eu not met (host has region=us)
 *     host-b  spread 1.00  binpack 0.42  total 10.42   <- chosen
 *     host-c  spread 0.50  binpack 0.61  total 5.61
 */
export function formatReport(report: PlacementReport, slot?: string): string[] {
  const who = slot ? `${slot} ` : '';
  const best = report.top[0];
  const lines = [report.chosen !== null && best ? `${who}placed on ${best.host}` : `${who}${report.summary}`];

  const width = Math.max(0, ...report.rejections.map((r) => r.host.length), ...report.top.map((s) => s.host.length));
  for (const r of report.rejections) lines.push(`  ${r.host.padEnd(width)}  rejected by ${r.filter}: ${r.reason}`);
  report.top.forEach((s, i) => {
    const chosen = i === 0 && report.chosen !== null ? '   <- chosen' : '';
    lines.push(`  ${s.host.padEnd(width)}  ${scoreList(s, '  ')}  total ${s.total.toFixed(2)}${chosen}`);
  });

  const omitted = Object.entries(report.rejectedBy)
    .map(([filter, n]) => [filter, n - report.rejections.filter((r) => r.filter === filter).length] as const)
    .filter(([, n]) => n > 0);
  const omittedCount = omitted.reduce((sum, [, n]) => sum + n, 0);
  if (omittedCount > 0) lines.push(`  ... ${omittedCount} more rejected (${omitted.map(([f, n]) => `${f}: ${n}`).join(', ')})`);

  const rejected = Object.values(report.rejectedBy).reduce((sum, n) => sum + n, 0);
  const lower = report.evaluated - rejected - report.top.length;
  if (lower > 0) lines.push(`  ... ${lower} more feasible host${lower === 1 ? '' : 's'} ranked lower`);
  for (const n of report.notes ?? []) lines.push(`  note: ${n}`);
  return lines;
}
