// The numbers one log shows in the tree and the status bar. Counts come from the core's report
// and streaks from computeStreaks — the same functions `mbm report` and the monitor use — so the
// editor can never disagree with the command line about a log.
import { severityRank, type MissedBlockSeverity } from '../../core/model';
import { buildReport, type Report } from '../../core/report';
import { computeStreaks, type Streak } from '../../core/streaks';
import type { Totals } from '../worker/protocol';
import type { LogEntry, LogWindow } from './logBook';

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
  /** Set when the entries are only the newest part of the log: the report is then the whole log's. */
  window?: LogWindow;
  /** While the log is being read: bytes done of total. */
  loading?: { done: number; total: number };
}

export interface SummaryOptions {
  /** Live chain head when our monitor writes this log: decides whether the last streak is still current. */
  headBlock?: number;
  alertThreshold: number;
  /** Unix seconds (tests pin it). */
  now?: number;
  /** How long a Critical record keeps the error level when no open streak holds it. Default 300 s. */
  criticalHoldSeconds?: number;
  /**
   * The entries are a window of a bigger log whose totals the log worker computed: counts and the
   * longest streak come from those; the open streak (at the newest blocks) from the window.
   */
  whole?: { totals: Totals; window: LogWindow };
}

export function summarize(entries: readonly LogEntry[], o: SummaryOptions): LogSummary {
  const records = entries.map((e) => e.record);
  // A window's own report is not needed when the worker counted the whole log.
  const windowed = o.whole ? undefined : buildReport(records, { headBlock: o.headBlock, topStreaks: 0 });
  // Missed payloads form no streak (as in `mbm report` and the monitor).
  const { streaks, current, longest: windowLongest } = computeStreaks(records.filter((r) => r.kind !== 'payload_missed'), { headBlock: o.headBlock });
  const whole = o.whole?.totals.report;
  const longest = whole ? Math.max(whole.longest_streak, windowLongest) : windowLongest;
  const report = whole ? { ...whole, current_streak: current, longest_streak: longest } : windowed!;
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
  return { report, streaks, current, longest, openStreak, lastBlock: report.last_block ?? undefined, latest, level, ...(o.whole ? { window: o.whole.window } : {}) };
}

export function atLeast(s: MissedBlockSeverity, min: MissedBlockSeverity): boolean {
  return severityRank(s) >= severityRank(min);
}
