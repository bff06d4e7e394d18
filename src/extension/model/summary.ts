// The numbers one log shows in the tree and the status bar. Counts come from the core's report
// and streaks from computeStreaks — the same functions `mbm report` and the monitor use — so the
// editor can never disagree with the command line about a log.
import { severityRank, type MissedBlockSeverity } from '../../core/model';
import { buildReport, type Report } from '../../core/report';
import { computeStreaks, type Streak } from '../../core/streaks';
import type { LogEntry } from './logBook';

/** 'error': a Critical record is open or recent; 'warning': the current streak reached the threshold. */
export type AlertLevel = 'ok' | 'warning' | 'error';

export interface LogSummary {
  report: Report;
  /** Every streak, oldest first. */
  streaks: Streak[];
  current: number;
  longest: number;
  /** The open streak, when current > 0. */
  openStreak: Streak | undefined;
  /** Highest block number in the log. */
  lastBlock: number | undefined;
  /** The entry that arrived last. */
  latest: LogEntry | undefined;
  level: AlertLevel;
}

export interface SummaryOptions {
  /** Live chain head when our monitor writes this log: decides whether the last streak is still current. */
  headBlock?: number;
  alertThreshold: number;
  /** Unix seconds (tests pin it). */
  now?: number;
  /** How long a Critical record keeps the error level when no open streak holds it. Default 300 s. */
  criticalHoldSeconds?: number;
}

export function summarize(entries: readonly LogEntry[], o: SummaryOptions): LogSummary {
  const records = entries.map((e) => e.record);
  const report = buildReport(records, { headBlock: o.headBlock, topStreaks: 0 });
  // Missed payloads form no streak (as in `mbm report` and the monitor).
  const { streaks, current, longest } = computeStreaks(records.filter((r) => r.kind !== 'payload_missed'), { headBlock: o.headBlock });
  const openStreak = current > 0 ? streaks[streaks.length - 1] : undefined;
  let latest: LogEntry | undefined;
  for (const e of entries) if (!latest || e.seq > latest.seq) latest = e;
  const now = o.now ?? Math.floor(Date.now() / 1000);
  const hold = o.criticalHoldSeconds ?? 300;
  const critical = entries.some((e) => {
    const r = e.record;
    if (r.severity !== 'Critical' || r.recovered) return false;
    const inOpen = openStreak !== undefined && r.block_number >= openStreak.fromBlock && r.block_number <= openStreak.toBlock;
    return inOpen || r.timestamp >= now - hold;
  });
  const level: AlertLevel = critical ? 'error' : current >= o.alertThreshold ? 'warning' : 'ok';
  return { report, streaks, current, longest, openStreak, lastBlock: report.last_block ?? undefined, latest, level };
}

export function atLeast(s: MissedBlockSeverity, min: MissedBlockSeverity): boolean {
  return severityRank(s) >= severityRank(min);
}
