// What a view is made of besides the incremental aggregates: one pass over the records in the
// view (streaks, value lost, the time span) and the headline. DashboardModel.view() (the webview,
// holding every record) and viewBuilder.ts (the log worker, which holds a big log as columns)
// both end here, so the two can never draw different numbers for the same records.
import { MISSED_BLOCK_KINDS, MISSED_BLOCK_SEVERITIES } from '../../core/model';
import { ValueLostTally } from '../../core/payloads';
import { ProposerTally } from '../../core/proposers';
import { computeStreaks, isListedStreak } from '../../core/streaks';
import type { Aggregates } from './aggregates';
import { RECOVERY_EDGES_MS, recoveryBucketLabel } from './histogram';
import type { Count, DashboardView, StreakBars } from './view';
import type { DashRecord, RecordDetail } from './wire';

/** Kind indexes in a DashRecord. */
const CHAIN_RESET = MISSED_BLOCK_KINDS.indexOf('chain_reset');
const PAYLOAD_MISSED = MISSED_BLOCK_KINDS.indexOf('payload_missed');
const MISSED_SLOT = MISSED_BLOCK_KINDS.indexOf('missed_slot');

export const sortCounts = (m: Map<string, number>): Count[] =>
  [...m].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

type StreakInput = { block_number: number; timestamp: number; recovered: boolean };

export interface ViewPartsOptions {
  maxBins?: number;
  maxEpochs?: number;
  /** Streaks per source (the fleet view). */
  bySource?: boolean;
  /**
   * Bars only for streaks a list counts (isListedStreak: two missed events or more), as the tree
   * lists them: a big log has hundreds of thousands of lone missed blocks, too many bars to send
   * and no more readable. Current and longest still count every run.
   */
  listedStreaksOnly?: boolean;
  /** The head the log's monitor last processed (its checkpoint): decides whether the last streak is current. */
  head?: number;
  /** Fleet mode: each monitor's head, by the records' source. */
  heads?: Readonly<Record<string, number>>;
  /** Streak bars at most (default MAX_STREAK_BARS): more are thinned to the longest per time slice. */
  maxStreakBars?: number;
}

/**
 * A chart a thousand pixels wide cannot show more bars than this: a million-record log has
 * hundreds of thousands of streaks, which took the webview seconds to draw. Beyond it the bars are
 * thinned to the longest streak of each of this many equal time slices (the ones a reader looks for).
 */
export const MAX_STREAK_BARS = 5000;

export class ViewParts {
  // One group unless in fleet mode: streaks are runs of one chain's block numbers.
  private readonly groups = new Map<string, StreakInput[]>();
  private from = Infinity;
  private to = -Infinity;
  private any = false;
  private readonly lost = new ValueLostTally();
  private readonly proposers = new ProposerTally();

  constructor(
    private readonly agg: Aggregates,
    private readonly options: ViewPartsOptions,
  ) {}

  /** Every record held, once; `matching`: it passes the filter and range. Reads `r` now only (a scratch record may be reused). */
  add(r: DashRecord, matching: boolean): void {
    this.any = true;
    if (r.timestamp < this.from) this.from = r.timestamp;
    if (r.timestamp > this.to) this.to = r.timestamp;
    if (!matching || r.kind === CHAIN_RESET) return; // a chain reset is no missed block: in no streak
    if (r.kind === PAYLOAD_MISSED) {
      // The relay's loss, not a hole in the chain: value lost, no streak (as `mbm report`).
      this.lost.add({ kind: 'payload_missed', beacon_slot: r.beaconSlot, relay: r.relay, payload_value_wei: r.valueWei });
      return;
    }
    if (r.kind === MISSED_SLOT && r.beaconSlot >= 0) {
      const watched = r.proposer >= 0;
      this.proposers.add({
        kind: 'missed_slot', source: r.source, block_number: r.block, slot: r.slot >= 0 ? r.slot : undefined, beacon_slot: r.beaconSlot,
        ...(watched ? { proposer_index: r.proposer, ...(r.proposerKey ? { proposer_pubkey: r.proposerKey } : {}) } : {}),
        metadata: { proposer_watched: watched },
      });
    }
    const g = this.options.bySource ? r.source : '';
    let input = this.groups.get(g);
    if (!input) this.groups.set(g, (input = []));
    input.push({ block_number: r.block, timestamp: r.timestamp, recovered: r.recovered });
  }

  build(o: { held: number; facets: { reasons: Map<string, number>; severities: Map<string, number>; sources: Map<string, number> }; recent: RecordDetail[] }): DashboardView {
    const a = this.agg;
    const streaks: (ReturnType<typeof computeStreaks>['streaks'][number] & { source: string })[] = [];
    let current = 0;
    let longest = 0;
    const heads = this.options.heads;
    for (const [source, input] of this.groups) {
      const own = heads && Object.hasOwn(heads, source) && typeof heads[source] === 'number' ? heads[source] : undefined;
      const s = computeStreaks(input, { headBlock: this.options.bySource ? own : this.options.head });
      for (const x of s.streaks) streaks.push({ ...x, source });
      current = Math.max(current, s.current);
      longest = Math.max(longest, s.longest);
    }
    // In block order; usually time order too, and then the sort is skipped.
    const byTime = (x: (typeof streaks)[number], y: (typeof streaks)[number]) => x.startedAt - y.startedAt || x.fromBlock - y.fromBlock;
    if (streaks.some((s, i) => i > 0 && byTime(streaks[i - 1], s) > 0)) streaks.sort(byTime);
    const bars: StreakBars = { startedAt: [], length: [], fromBlock: [], toBlock: [], recovered: [], source: [] };
    const listed = this.options.listedStreaksOnly ? streaks.filter((s) => isListedStreak(s)) : streaks;
    for (const s of thin(listed, this.options.maxStreakBars ?? MAX_STREAK_BARS)) {
      bars.source.push(s.source);
      bars.startedAt.push(s.startedAt);
      bars.length.push(s.length);
      bars.fromBlock.push(s.fromBlock);
      bars.toBlock.push(s.toBlock);
      bars.recovered.push(s.recovered);
    }
    let firstBlock = Infinity;
    let lastBlock = -Infinity;
    for (const b of a.blocks.keys()) {
      if (b < firstBlock) firstBlock = b;
      if (b > lastBlock) lastBlock = b;
    }
    const any = a.total > 0;
    return {
      held: o.held,
      shown: a.total,
      headline: {
        total: a.total,
        recovered: a.recovered,
        recoveryRate: any ? Math.round((a.recovered / a.total) * 10000) / 100 : 0,
        missedPercent: any ? Math.round((a.blocks.size / (lastBlock - firstBlock + 1)) * 10000) / 100 : null,
        firstBlock: any ? firstBlock : null,
        lastBlock: any ? lastBlock : null,
        currentStreak: current,
        longestStreak: longest,
        avgRecoveryMs: a.recoveryMsCount ? Math.round(a.recoveryMsSum / a.recoveryMsCount) : null,
        valueLost: this.lost.size ? this.lost.summary() : null,
        proposers: this.proposers.size ? this.proposers.summary() : null,
      },
      timeline: a.seconds.series(this.options.maxBins ?? 1500),
      reasons: sortCounts(a.reasons),
      streaks: bars,
      histogram: { labels: RECOVERY_EDGES_MS.map((_, i) => recoveryBucketLabel(i)), counts: [...a.histogram] },
      heatmap: a.heatmapRows(this.options.maxEpochs ?? 2000),
      facets: {
        reasons: sortCounts(o.facets.reasons),
        severities: MISSED_BLOCK_SEVERITIES.map((name) => ({ name, count: o.facets.severities.get(name) ?? 0 })),
        sources: sortCounts(o.facets.sources),
      },
      span: this.any ? { from: this.from, to: this.to } : null,
      recent: o.recent,
    };
  }
}

/** At most `max` of `streaks` (in time order): the longest of each of `max` equal time slices (the first on a tie). */
function thin<T extends { startedAt: number; length: number }>(streaks: T[], max: number): T[] {
  if (streaks.length <= max || streaks.length === 0) return streaks;
  const first = streaks[0].startedAt;
  const width = (streaks[streaks.length - 1].startedAt - first) / max || 1;
  const out: T[] = [];
  let slice = -1;
  for (const s of streaks) {
    const k = Math.min(max - 1, Math.floor((s.startedAt - first) / width));
    if (k !== slice) {
      out.push(s);
      slice = k;
    } else if (s.length > out[out.length - 1].length) out[out.length - 1] = s;
  }
  return out;
}
