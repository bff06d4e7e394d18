// The shape the webview draws: plain numbers and arrays, computed by DashboardModel.view().
import type { HeatmapRow } from './heatmap';
import type { TimelineSeries } from './timeline';
import type { RecordDetail } from './wire';
import type { ValueLost } from '../../core/payloads';
import type { ProposerMisses } from '../../core/proposers';

export interface Headline {
  total: number;
  recovered: number;
  /** Percent recovered, two decimals, computed as `mbm report` does (recovery_rate). */
  recoveryRate: number;
  /**
   * Percent of the blocks in the covered span (first..last block number) with at least one
   * record; null when there is nothing. A log alone does not know how many blocks were seen.
   */
  missedPercent: number | null;
  firstBlock: number | null;
  lastBlock: number | null;
  /** From computeStreaks, as every other view: by the log's head (DashboardModel.setHead) when known. */
  currentStreak: number;
  longestStreak: number;
  avgRecoveryMs: number | null;
  /** Missed relay payloads among the records shown (core/payloads.ts valueLost); null when none. */
  valueLost: ValueLost | null;
  /** The beacon node's missed slots among the records shown, per watched proposer, the others summed (core/proposers.ts); null when none. */
  proposers: ProposerMisses | null;
}

export interface Count {
  name: string;
  count: number;
}

/** Streaks as columns, ordered by start time: x = startedAt, bar height = length. */
export interface StreakBars {
  startedAt: number[];
  length: number[];
  fromBlock: number[];
  toBlock: number[];
  recovered: number[];
  /** The streak's source ('' unless the model keys records by source: the fleet view). */
  source: string[];
}

export interface Facets {
  reasons: Count[];
  severities: Count[];
  /** '' = records without a source. */
  sources: Count[];
}

export interface DashboardView {
  /** Records held, and how many of them match the filter and range. */
  held: number;
  shown: number;
  headline: Headline;
  timeline: TimelineSeries;
  reasons: Count[];
  streaks: StreakBars;
  histogram: { labels: string[]; counts: number[] };
  heatmap: { rows: HeatmapRow[]; totalRows: number };
  /** Counts over all held records (ignoring the filter), for the filter controls. */
  facets: Facets;
  /** Detection times of all held records; null when none. */
  span: { from: number; to: number } | null;
  /** Newest records first (those with details), matching the filter and range. */
  recent: RecordDetail[];
}
