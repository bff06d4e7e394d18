// The monitor's running totals (the relay logger's Key Metrics). Counters are cumulative since start and
// follow each record's latest state, so they stay right after the record itself has left the
// monitor's bounded window. Field names match `mbm report --json` where both have them.
import {
  MISSED_BLOCK_KINDS,
  MISSED_BLOCK_REASONS,
  MISSED_BLOCK_SEVERITIES,
  type MissedBlock,
  type MissedBlockKind,
  type MissedBlockReason,
  type MissedBlockSeverity,
} from './model';
import type { ValueLost } from './payloads';
import type { ProposerMisses } from './proposers';

export interface MonitorStatsData {
  blocks_processed: number;
  /** Records made (every kind: gap, delayed, missed_slot, reorg); a rewritten record counts once. */
  total_missed: number;
  recovered: number;
  /** total_missed / (blocks_processed + total_missed) × 100. */
  missed_rate: number;
  /** recovered / total_missed × 100 (0 when nothing was missed). */
  recovery_rate: number;
  avg_recovery_ms: number;
  current_streak: number;
  longest_streak: number;
  by_reason: Record<MissedBlockReason, number>;
  by_severity: Record<MissedBlockSeverity, number>;
  by_kind: Record<MissedBlockKind, number>;
  /** Gap records waiting for recovery. */
  pending: number;
  /** Skipped numbers of very large gaps that got no record of their own (see MonitorOptions.maxGapRecords). */
  gap_blocks_omitted: number;
  head?: { number: number; hash: string; timestamp: number };
  /** Wall-clock unix seconds at which the last block arrived. */
  last_block_at?: number;
  /** Missed relay payloads since start (core/payloads.ts valueLost); present when relays are checked. */
  value_lost?: ValueLost;
  /** The beacon node's missed slots per watched proposer since start (core/proposers.ts); present when a beacon node is followed. */
  missed_slots_by_proposer?: ProposerMisses;
}

export interface MonitorStats extends MonitorStatsData {
  /** The relay logger's `get_recovery_rate()`: 0–100. */
  getRecoveryRate(): number;
}

type Counted = Pick<MissedBlock, 'reason' | 'severity' | 'kind' | 'recovered'>;

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

export class StatsCounters {
  processed = 0;
  total = 0;
  recovered = 0;
  recoveryMsSum = 0;
  gapBlocksOmitted = 0;
  readonly byReason = zeroes(MISSED_BLOCK_REASONS);
  readonly bySeverity = zeroes(MISSED_BLOCK_SEVERITIES);
  readonly byKind = zeroes(MISSED_BLOCK_KINDS);

  added(r: Counted): void {
    this.total += 1;
    this.byReason[r.reason] += 1;
    this.bySeverity[r.severity] += 1;
    this.byKind[r.kind ?? 'gap'] += 1;
    if (r.recovered) this.recovered += 1;
  }

  /** A held record changed: move its counts from the old state to the new one. */
  changed(before: Counted, after: Counted): void {
    this.byReason[before.reason] -= 1;
    this.byReason[after.reason] += 1;
    this.bySeverity[before.severity] -= 1;
    this.bySeverity[after.severity] += 1;
    if (before.recovered !== after.recovered) this.recovered += after.recovered ? 1 : -1;
  }

  recoveryTime(ms: number): void {
    this.recoveryMsSum += ms;
  }

  snapshot(extra: Pick<MonitorStatsData, 'current_streak' | 'longest_streak' | 'pending' | 'head' | 'last_block_at'>): MonitorStats {
    const recoveryRate = this.total ? (this.recovered / this.total) * 100 : 0;
    const seen = this.processed + this.total;
    const data: MonitorStatsData = {
      blocks_processed: this.processed,
      total_missed: this.total,
      recovered: this.recovered,
      missed_rate: seen ? (this.total / seen) * 100 : 0,
      recovery_rate: recoveryRate,
      avg_recovery_ms: this.recovered ? this.recoveryMsSum / this.recovered : 0,
      current_streak: extra.current_streak,
      longest_streak: extra.longest_streak,
      by_reason: { ...this.byReason },
      by_severity: { ...this.bySeverity },
      by_kind: { ...this.byKind },
      pending: extra.pending,
      gap_blocks_omitted: this.gapBlocksOmitted,
      ...(extra.head ? { head: { ...extra.head } } : {}),
      ...(extra.last_block_at !== undefined ? { last_block_at: extra.last_block_at } : {}),
    };
    // Non-enumerable so JSON.stringify(stats) and deepEqual see data only.
    return Object.defineProperty(data, 'getRecoveryRate', { value: () => recoveryRate, enumerable: false }) as MonitorStats;
  }
}
