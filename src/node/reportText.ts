// The report for people (terminal, /report?format=text, the editor's Show Report): a few aligned
// lines, colour only when asked for. The numbers come from core/report.ts.
import { createColors } from 'picocolors';
import type { Report } from '../core/report';
import { formatEth, formatValueLost } from '../core/payloads';
import { proposerMissesTotal, proposerName } from '../core/proposers';
import { isListedStreak, MIN_LISTED_STREAK } from '../core/streaks';

const num = (n: number) => n.toLocaleString('en-US');
const when = (unix: number) => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');

/** The report for people: a few aligned lines, colour only when asked for. */
export function formatReportText(report: Report, opts: { color?: boolean } = {}): string {
  const c = createColors(opts.color ?? false);
  const label = (s: string) => c.bold(s.padEnd(15));
  const counts = (m: Record<string, number>) =>
    Object.entries(m)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${num(n)}`)
      .join(c.dim(' · ')) || c.dim('none');
  if (report.total_missed === 0) return `${label('Missed blocks')}${c.green('0')}  ${c.dim('(nothing recorded)')}\n`;
  const rate = report.recovery_rate;
  const paintRate = rate >= 90 ? c.green : rate >= 50 ? c.yellow : c.red;
  const lines = [
    `${label('Missed blocks')}${c.red(num(report.total_missed))}  recovered ${num(report.recovered)} (${paintRate(`${rate.toFixed(2)}%`)})`,
    `${label('Blocks')}#${report.first_block} … #${report.last_block}`,
    `${label('Time')}${when(report.first_timestamp!)} … ${when(report.last_timestamp!)}`,
    `${label('Streaks')}current ${report.current_streak > 0 ? c.red(String(report.current_streak)) : '0'}, longest ${report.longest_streak}`,
    `${label('Avg recovery')}${report.avg_recovery_ms === null ? c.dim('n/a') : `${num(report.avg_recovery_ms)} ms`}`,
    `${label('By severity')}${counts(report.by_severity)}`,
    `${label('By reason')}${counts(report.by_reason)}`,
    `${label('By kind')}${counts(report.by_kind)}`,
  ];
  const v = report.value_lost;
  if (v && v.count > 0) {
    lines.push(`${label('Value lost')}${c.red(formatValueLost(v))}`);
    for (const [relay, x] of Object.entries(v.by_relay)) lines.push(`  ${relay.padEnd(32)} ${String(x.count).padStart(6)} missed  ${formatEth(x.wei)}`);
  }
  // The beacon node's missed slots: watched proposers by name, the others summed.
  const p = report.missed_slots_by_proposer;
  if (p && proposerMissesTotal(p) > 0) {
    lines.push(`${label('By proposer')}${num(proposerMissesTotal(p))} missed slot${proposerMissesTotal(p) === 1 ? '' : 's'} ${c.dim('(beacon node)')}`);
    for (const w of p.watched) lines.push(`  ${proposerName(w).padEnd(32)} ${String(w.missed_slots).padStart(6)} missed  ${c.dim('watched')}`);
    lines.push(`  ${'other proposers'.padEnd(32)} ${String(p.other).padStart(6)} missed`);
  }
  // Runs of MIN_LISTED_STREAK or more, as the editor's Streaks list; a lone missed block is not listed.
  const listed = report.streaks.filter((s) => isListedStreak(s));
  if (listed.length > 0) {
    lines.push(c.bold(`Longest streaks ${c.dim(`(runs of ${MIN_LISTED_STREAK}+ consecutive blocks)`)}`));
    for (const s of listed) {
      const range = s.from_block === s.to_block ? `#${s.from_block}` : `#${s.from_block}–#${s.to_block}`;
      lines.push(`  ${range.padEnd(24)} ${String(s.length).padStart(6)} missed  ${c.dim(`${s.recovered} recovered, from ${when(s.started_at)}`)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
