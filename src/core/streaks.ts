// The one definition of a missed-block streak. The live monitor, `mbm report`, the HTTP API, the
// tree view and the status bar all call this, so they can never disagree about a number.
import type { MissedBlock } from './model';

export interface Streak {
  /** First and last block number the streak covers. */
  fromBlock: number;
  toBlock: number;
  /** How many missed events (records) it holds; several missed slots may share one block number. */
  length: number;
  /** Detection times (unix s) of the first and last record. */
  startedAt: number;
  endedAt: number;
  recovered: number;
}

export interface StreakSummary {
  streaks: Streak[];
  current: number;
  longest: number;
}

/**
 * Fewest missed events a run needs to be listed and counted as a streak by the views (tree,
 * report text): a lone missed block is a streak of length 1 to the arithmetic above (current and
 * longest), but not a "streak" a list should count.
 */
export const MIN_LISTED_STREAK = 2;

export function isListedStreak(s: Pick<Streak, 'length'>): boolean {
  return s.length >= MIN_LISTED_STREAK;
}

type StreakInput = Pick<MissedBlock, 'block_number' | 'timestamp' | 'recovered'> & Partial<Pick<MissedBlock, 'kind'>>;

/**
 * A streak is a maximal run of missed events on consecutive block numbers (a gap of one block
 * between two records ends it; repeats of one number continue it). Input need not be sorted.
 * chain_reset records are not missed events and are left out.
 *
 * The last streak is current while the chain has not moved past it: with `headBlock` known (live
 * monitor) that means head ≤ its last block + 1; from a log alone it means not every block in it
 * has been recovered yet.
 */
export function computeStreaks(records: readonly StreakInput[], opts: { headBlock?: number } = {}): StreakSummary {
  // A chain reset is not a missed block: it neither starts nor joins a streak.
  const sorted = records.filter((r) => r.kind !== 'chain_reset').sort((a, b) => a.block_number - b.block_number || a.timestamp - b.timestamp);
  const streaks: Streak[] = [];
  let cur: Streak | undefined;
  for (const r of sorted) {
    if (cur && r.block_number <= cur.toBlock + 1) {
      cur.toBlock = Math.max(cur.toBlock, r.block_number);
      cur.length += 1;
      cur.startedAt = Math.min(cur.startedAt, r.timestamp);
      cur.endedAt = Math.max(cur.endedAt, r.timestamp);
      if (r.recovered) cur.recovered += 1;
    } else {
      cur = {
        fromBlock: r.block_number,
        toBlock: r.block_number,
        length: 1,
        startedAt: r.timestamp,
        endedAt: r.timestamp,
        recovered: r.recovered ? 1 : 0,
      };
      streaks.push(cur);
    }
  }
  const longest = streaks.reduce((m, s) => Math.max(m, s.length), 0);
  const last = streaks[streaks.length - 1];
  const current = last && isStreakOpen(last, opts.headBlock) ? last.length : 0;
  return { streaks, current, longest };
}

/**
 * Whether the last streak is still current: with the head known (the live monitor, a log's
 * checkpoint, the store's mbm_heads) while the head is at most one block past it; without one,
 * while not every record in it has been recovered. computeStreaks and the store's report both ask here.
 */
export function isStreakOpen(last: Pick<Streak, 'toBlock' | 'length' | 'recovered'>, headBlock: number | undefined): boolean {
  return headBlock !== undefined ? headBlock <= last.toBlock + 1 : last.recovered < last.length;
}
