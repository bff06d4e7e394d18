// The fleet view of the shared store: one summary per monitor (source, chain), side by side.
// For the extension's "Fleet" tree node and the dashboard's source filter, and `mbm report
// --from-postgres --fleet`. Every number is the report's (storeReport over that monitor alone),
// so a fleet row and `mbm report --from-postgres --source S --chain-id N` never disagree.
import { createColors } from 'picocolors';
import type { Report, ReportStreak } from '../../core/report';
import { storeReport, storeSources, type Queryable, type StoreFilter } from './store';

export interface FleetSourceSummary {
  /** The records' `source` label; null when they carry none. */
  source: string | null;
  /** null when the records carry no chain id. */
  chain_id: number | null;
  total_missed: number;
  recovered: number;
  recovery_rate: number;
  /** Every severity name, 0 when unseen. */
  by_severity: Record<string, number>;
  by_kind: Record<string, number>;
  current_streak: number;
  longest_streak: number;
  first_block: number | null;
  last_block: number | null;
  /** Detection time (unix s) of the newest record. */
  last_timestamp: number | null;
  /** The longest streaks of this monitor, longest first (at most `topStreaks`). */
  streaks: ReportStreak[];
}

/** The filter that selects exactly one monitor of a summary row (null → the stored defaults). */
export function filterFor(s: { source: string | null; chain_id: number | null }): StoreFilter {
  return { source: [s.source ?? ''], chainId: [s.chain_id ?? -1] };
}

function summaryOf(s: { source: string | null; chain_id: number | null }, r: Report): FleetSourceSummary {
  return {
    source: s.source,
    chain_id: s.chain_id,
    total_missed: r.total_missed,
    recovered: r.recovered,
    recovery_rate: r.recovery_rate,
    by_severity: r.by_severity,
    by_kind: r.by_kind,
    current_streak: r.current_streak,
    longest_streak: r.longest_streak,
    first_block: r.first_block,
    last_block: r.last_block,
    last_timestamp: r.last_timestamp,
    streaks: r.streaks,
  };
}

/**
 * One summary per monitor matching `filter`, ordered by source then chain id. A few index
 * lookups per monitor; the number of records does not matter.
 */
export async function fleetSummary(db: Queryable, filter: StoreFilter = {}, opts: { topStreaks?: number } = {}): Promise<FleetSourceSummary[]> {
  const out: FleetSourceSummary[] = [];
  for (const s of await storeSources(db, filter)) out.push(summaryOf(s, await storeReport(db, filterFor(s), { topStreaks: opts.topStreaks ?? 3 })));
  return out;
}

/** The fleet for people: one aligned line per monitor. */
export function formatFleetText(fleet: readonly FleetSourceSummary[], opts: { color?: boolean } = {}): string {
  const c = createColors(opts.color ?? false);
  if (fleet.length === 0) return `${c.dim('no monitor has written to the store yet')}\n`;
  const when = (t: number | null) => (t === null ? '-' : new Date(t * 1000).toISOString().replace('.000Z', 'Z'));
  const head = ['SOURCE', 'CHAIN', 'MISSED', 'RECOVERED', 'CURRENT', 'LONGEST', 'CRITICAL', 'HIGH', 'LAST RECORD'];
  const rows = fleet.map((s) => [
    // A label is untrusted text: no control characters reach the terminal.
    (s.source ?? '(none)').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?'),
    s.chain_id === null ? '-' : String(s.chain_id),
    String(s.total_missed),
    `${s.recovery_rate.toFixed(2)}%`,
    String(s.current_streak),
    String(s.longest_streak),
    String(s.by_severity.Critical ?? 0),
    String(s.by_severity.High ?? 0),
    when(s.last_timestamp),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => (i < 2 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  return `${c.bold(line(head))}\n${rows.map((r) => (Number(r[4]) > 0 ? c.red(line(r)) : line(r))).join('\n')}\n`;
}
