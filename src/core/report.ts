// The summary of a set of records (a log, or what a live monitor holds): counts, recovery, and
// streaks from computeStreaks, the same function the monitor and the views use.
import { MISSED_BLOCK_KINDS, MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES, type MissedBlock } from './model';
import { computeStreaks, type Streak } from './streaks';
import { ValueLostTally, type ValueLost } from './payloads';
import { ProposerTally, type ProposerMisses } from './proposers';

export interface ReportStreak {
  from_block: number;
  to_block: number;
  length: number;
  started_at: number;
  ended_at: number;
  recovered: number;
}

/** `mbm report --json` prints this object; field names are the CLI contract (README, "The `mbm` command line"). */
export interface Report {
  total_missed: number;
  recovered: number;
  /** Percent of records recovered, 0–100, two decimals; 0 when there are none. */
  recovery_rate: number;
  current_streak: number;
  longest_streak: number;
  /** Every known name is present (0 when unseen), in the model's order. */
  by_reason: Record<string, number>;
  by_severity: Record<string, number>;
  by_kind: Record<string, number>;
  first_block: number | null;
  last_block: number | null;
  first_timestamp: number | null;
  last_timestamp: number | null;
  /** Mean detection-to-recovery time over recovered records that say how long it took. */
  avg_recovery_ms: number | null;
  /** The longest streaks, longest first (ties: earliest first). */
  streaks: ReportStreak[];
  /** Missed relay payloads (payloads.ts valueLost): count, wei and per relay. Absent from the shared store's report. */
  value_lost?: ValueLost;
  /** The beacon node's missed slots per watched proposer, the others summed (proposers.ts missedSlotsByProposer). */
  missed_slots_by_proposer?: ProposerMisses;
}

export interface ReportOptions {
  /** How many streaks to list. Default 10. */
  topStreaks?: number;
  /** Chain head when known (live monitor): decides whether the last streak is still current. */
  headBlock?: number;
}

/** Counters for every known name; prototype-less, so a hostile name like "__proto__" is just a key. */
function zeros(names: readonly string[]): Record<string, number> {
  const m: Record<string, number> = Object.create(null);
  for (const n of names) m[n] = 0;
  return m;
}

/** Accumulates records one at a time, so a log never has to be held whole. */
export class ReportBuilder {
  private total = 0;
  private recovered = 0;
  private byReason = zeros(MISSED_BLOCK_REASONS);
  private bySeverity = zeros(MISSED_BLOCK_SEVERITIES);
  private byKind = zeros(MISSED_BLOCK_KINDS);
  private firstBlock = Infinity;
  private lastBlock = -Infinity;
  private firstTs = Infinity;
  private lastTs = -Infinity;
  private recoveryMsSum = 0;
  private recoveryMsCount = 0;
  private readonly valueLost = new ValueLostTally();
  private readonly proposers = new ProposerTally();
  // Only what computeStreaks needs, to keep a large log's footprint small.
  private streakInput: Pick<MissedBlock, 'block_number' | 'timestamp' | 'recovered'>[] = [];

  add(r: MissedBlock): void {
    this.total++;
    // Unknown names (a record from a newer writer) still count, under their own name.
    this.byReason[r.reason] = (this.byReason[r.reason] ?? 0) + 1;
    this.bySeverity[r.severity] = (this.bySeverity[r.severity] ?? 0) + 1;
    const kind = r.kind ?? 'gap';
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    if (r.block_number < this.firstBlock) this.firstBlock = r.block_number;
    if (r.block_number > this.lastBlock) this.lastBlock = r.block_number;
    if (r.timestamp < this.firstTs) this.firstTs = r.timestamp;
    if (r.timestamp > this.lastTs) this.lastTs = r.timestamp;
    if (r.recovered) {
      this.recovered++;
      const ms = typeof r.recovery_ms === 'number' ? r.recovery_ms : typeof r.recovered_at === 'number' ? (r.recovered_at - r.timestamp) * 1000 : undefined;
      if (ms !== undefined && ms >= 0) {
        this.recoveryMsSum += ms;
        this.recoveryMsCount++;
      }
    }
    // A missed payload is the relay's loss, not a hole in the chain: no streak (as in the live monitor).
    // Nor is a chain reset: the chain began again.
    if (kind === 'missed_slot') this.proposers.add(r);
    if (kind === 'payload_missed') this.valueLost.add(r);
    else if (kind !== 'chain_reset') this.streakInput.push({ block_number: r.block_number, timestamp: r.timestamp, recovered: r.recovered });
  }

  build(opts: ReportOptions = {}): Report {
    const { streaks, current, longest } = computeStreaks(this.streakInput, { headBlock: opts.headBlock });
    const top = [...streaks].sort((a, b) => b.length - a.length || a.fromBlock - b.fromBlock).slice(0, opts.topStreaks ?? 10);
    const any = this.total > 0;
    return {
      total_missed: this.total,
      recovered: this.recovered,
      recovery_rate: any ? Math.round((this.recovered / this.total) * 10000) / 100 : 0,
      current_streak: current,
      longest_streak: longest,
      by_reason: { ...this.byReason },
      by_severity: { ...this.bySeverity },
      by_kind: { ...this.byKind },
      first_block: any ? this.firstBlock : null,
      last_block: any ? this.lastBlock : null,
      first_timestamp: any ? this.firstTs : null,
      last_timestamp: any ? this.lastTs : null,
      avg_recovery_ms: this.recoveryMsCount ? Math.round(this.recoveryMsSum / this.recoveryMsCount) : null,
      streaks: top.map(toReportStreak),
      value_lost: this.valueLost.summary(),
      missed_slots_by_proposer: this.proposers.summary(),
    };
  }
}

function toReportStreak(s: Streak): ReportStreak {
  return { from_block: s.fromBlock, to_block: s.toBlock, length: s.length, started_at: s.startedAt, ended_at: s.endedAt, recovered: s.recovered };
}

export function buildReport(records: Iterable<MissedBlock>, opts: ReportOptions = {}): Report {
  const b = new ReportBuilder();
  for (const r of records) b.add(r);
  return b.build(opts);
}

/** The report of a stream of records or batches of them (readRecordBatches, readLog...). */
export async function buildReportAsync(records: AsyncIterable<MissedBlock | readonly MissedBlock[]>, opts: ReportOptions = {}): Promise<Report> {
  const b = new ReportBuilder();
  for await (const item of records) {
    if (Array.isArray(item)) for (const r of item as readonly MissedBlock[]) b.add(r);
    else b.add(item as MissedBlock);
  }
  return b.build(opts);
}
