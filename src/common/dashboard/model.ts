// The dashboard's data: records keyed as every reader keys them (recordKey: the last version of a
// record wins), aggregates over those matching the filter and range kept up to date per record,
// and a view computed from them on demand. Pure: no DOM, no vscode; the webview runs it on the
// messages the host sends, and the tests run it in Node. apply() is incremental, and a snapshot
// followed by deltas gives the same view as one snapshot of the final log (tested).
import { MISSED_BLOCK_KINDS, MISSED_BLOCK_SEVERITIES } from '../../core/model';
import { computeStreaks } from '../../core/streaks';
import { ValueLostTally } from '../../core/payloads';
import { ProposerTally } from '../../core/proposers';
import { Aggregates } from './aggregates';
import { defaultView, matcher, type Matcher, type ViewSettings } from './viewFilter';
import { cellStateOf, slotOf, type SlotClock } from './heatmap';
import { RECOVERY_EDGES_MS, recoveryBucketLabel } from './histogram';
import type { Count, DashboardView, StreakBars } from './view';
import { batchLength, decodeRow, type DashRecord, type RecordBatch, type RecordDetail } from './wire';

/** Kind indexes in a DashRecord. */
const CHAIN_RESET = MISSED_BLOCK_KINDS.indexOf('chain_reset');
const PAYLOAD_MISSED = MISSED_BLOCK_KINDS.indexOf('payload_missed');
const MISSED_SLOT = MISSED_BLOCK_KINDS.indexOf('missed_slot');

export interface ModelOptions {
  clock: SlotClock;
  /** Timeline buckets at most. Default 1500 (about one per pixel column of a wide chart). */
  maxBins?: number;
  /** Heatmap rows (epochs) at most, newest first. Default 2000. */
  maxEpochs?: number;
  /** Newest records kept with their details. Default 50. */
  recentLimit?: number;
  /**
   * Records of several monitors (the fleet view of the shared store): a record is keyed by its
   * source as well, and streaks are found per source (block numbers of different chains do not
   * make one run). A single log keys records as every reader of a file does: without the source.
   */
  bySource?: boolean;
}

/** The model's key for a record: recordKey, prefixed by the source in fleet mode. */
const fleetKey = (source: string, key: string): string => `${source}\u0000${key}`;

const sortCounts = (m: Map<string, number>): Count[] =>
  [...m].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

export class DashboardModel {
  private readonly records = new Map<string, DashRecord>();
  private readonly details = new Map<string, RecordDetail>();
  private settings: ViewSettings = defaultView();
  private match: Matcher = matcher(this.settings);
  private agg: Aggregates;
  // Over all records, for the filter controls.
  private readonly facetReasons = new Map<string, number>();
  private readonly facetSeverities = new Map<string, number>();
  private readonly facetSources = new Map<string, number>();
  /** The head the log's monitor last processed (its checkpoint), when known: decides whether the last streak is current. */
  private head: number | undefined;
  /** Fleet mode: each monitor's head, by its name (the records' source). */
  private heads: Readonly<Record<string, number>> | undefined;

  constructor(readonly options: ModelOptions) {
    this.agg = new Aggregates(options.clock);
  }

  get size(): number {
    return this.records.size;
  }

  get viewSettings(): ViewSettings {
    return this.settings;
  }

  /** Add or replace records (a replaced record's old contribution is taken out first). */
  apply(batch: RecordBatch, details: readonly RecordDetail[] = []): void {
    const n = batchLength(batch);
    for (let i = 0; i < n; i++) {
      const r = decodeRow(batch, i);
      if (this.options.bySource) r.key = fleetKey(r.source, r.key);
      const old = this.records.get(r.key);
      if (old) this.contribute(old, -1);
      this.records.set(r.key, r);
      this.contribute(r, 1);
    }
    const limit = this.options.recentLimit ?? 50;
    for (const raw of details) {
      const d = this.options.bySource ? { ...raw, key: fleetKey(raw.source ?? '', raw.key) } : raw;
      // delete + set: a rewritten record becomes the newest.
      this.details.delete(d.key);
      this.details.set(d.key, d);
    }
    while (this.details.size > limit) this.details.delete(this.details.keys().next().value!);
  }

  /**
   * The head the monitor writing the log last processed (the log's checkpoint, as `mbm report`
   * reads it), or undefined when unknown: the current streak is judged by computeStreaks' rule
   * with it, as the live monitor judges it. Fleet mode: `heads`, each monitor's own (the store's
   * mbm_heads); a monitor without one keeps the log-only rule.
   */
  setHead(head: number | undefined, heads?: Readonly<Record<string, number>>): void {
    this.head = head;
    this.heads = heads;
  }

  setView(v: ViewSettings): void {
    this.settings = v;
    this.match = matcher(v);
    this.agg = new Aggregates(this.options.clock);
    for (const r of this.records.values()) if (this.match(r)) this.agg.add(r, 1);
  }

  private contribute(r: DashRecord, sign: 1 | -1): void {
    bump(this.facetReasons, r.reason, sign);
    bump(this.facetSeverities, MISSED_BLOCK_SEVERITIES[r.severity] ?? 'Low', sign);
    bump(this.facetSources, r.source, sign);
    if (this.match(r)) this.agg.add(r, sign);
  }

  /** The records matching the filter and range (any order). */
  *matching(): Generator<DashRecord> {
    for (const r of this.records.values()) if (this.match(r)) yield r;
  }

  view(): DashboardView {
    const a = this.agg;
    // Plain loops: a generator per record costs more than the work on 100k records.
    type StreakInput = { block_number: number; timestamp: number; recovered: boolean };
    // One group unless in fleet mode: streaks are runs of one chain's block numbers.
    const groups = new Map<string, StreakInput[]>();
    let from = Infinity;
    let to = -Infinity;
    const lost = new ValueLostTally();
    const proposers = new ProposerTally();
    for (const r of this.records.values()) {
      if (r.timestamp < from) from = r.timestamp;
      if (r.timestamp > to) to = r.timestamp;
      if (!this.match(r) || r.kind === CHAIN_RESET) continue; // a chain reset is no missed block: in no streak
      if (r.kind === PAYLOAD_MISSED) {
        // The relay's loss, not a hole in the chain: value lost, no streak (as `mbm report`).
        lost.add({ kind: 'payload_missed', beacon_slot: r.beaconSlot, relay: r.relay, payload_value_wei: r.valueWei });
        continue;
      }
      if (r.kind === MISSED_SLOT && r.beaconSlot >= 0) {
        const watched = r.proposer >= 0;
        proposers.add({
          kind: 'missed_slot', source: r.source, block_number: r.block, slot: r.slot >= 0 ? r.slot : undefined, beacon_slot: r.beaconSlot,
          ...(watched ? { proposer_index: r.proposer, ...(r.proposerKey ? { proposer_pubkey: r.proposerKey } : {}) } : {}),
          metadata: { proposer_watched: watched },
        });
      }
      const g = this.options.bySource ? r.source : '';
      let input = groups.get(g);
      if (!input) groups.set(g, (input = []));
      input.push({ block_number: r.block, timestamp: r.timestamp, recovered: r.recovered });
    }
    const streaks: (ReturnType<typeof computeStreaks>['streaks'][number] & { source: string })[] = [];
    let current = 0;
    let longest = 0;
    for (const [source, input] of groups) {
      const own = this.heads && Object.hasOwn(this.heads, source) && typeof this.heads[source] === 'number' ? this.heads[source] : undefined;
      const s = computeStreaks(input, { headBlock: this.options.bySource ? own : this.head });
      for (const x of s.streaks) streaks.push({ ...x, source });
      current = Math.max(current, s.current);
      longest = Math.max(longest, s.longest);
    }
    // In block order; usually time order too, and then the sort is skipped.
    const byTime = (x: (typeof streaks)[number], y: (typeof streaks)[number]) => x.startedAt - y.startedAt || x.fromBlock - y.fromBlock;
    if (streaks.some((s, i) => i > 0 && byTime(streaks[i - 1], s) > 0)) streaks.sort(byTime);
    const bars: StreakBars = { startedAt: [], length: [], fromBlock: [], toBlock: [], recovered: [], source: [] };
    for (const s of streaks) {
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
    const recent: RecordDetail[] = [];
    for (const d of [...this.details.values()].reverse()) {
      const r = this.records.get(d.key);
      if (r && this.match(r)) recent.push(d);
    }
    return {
      held: this.records.size,
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
        valueLost: lost.size ? lost.summary() : null,
        proposers: proposers.size ? proposers.summary() : null,
      },
      timeline: a.seconds.series(this.options.maxBins ?? 1500),
      reasons: sortCounts(a.reasons),
      streaks: bars,
      histogram: { labels: RECOVERY_EDGES_MS.map((_, i) => recoveryBucketLabel(i)), counts: [...a.histogram] },
      heatmap: a.heatmapRows(this.options.maxEpochs ?? 2000),
      facets: {
        reasons: sortCounts(this.facetReasons),
        severities: MISSED_BLOCK_SEVERITIES.map((name) => ({ name, count: this.facetSeverities.get(name) ?? 0 })),
        sources: sortCounts(this.facetSources),
      },
      span: this.records.size ? { from, to } : null,
      recent,
    };
  }

  /** The record a heatmap cell stands for: the one that decided its colour (newest on a tie). */
  recordInSlot(slot: number): DashRecord | undefined {
    return this.best((r) => slotOf(r, this.options.clock) === slot, (r) => cellStateOf(r));
  }

  /** The first record of the streak starting at `fromBlock` (of `source`, in fleet mode). */
  recordAtBlock(block: number, source?: string): DashRecord | undefined {
    return this.best((r) => r.block === block && (source === undefined || r.source === source), (r) => -r.timestamp);
  }

  /** The most severe record detected in [from, to) (earliest on a tie): what a timeline bar stands for. */
  recordInTime(from: number, to: number): DashRecord | undefined {
    return this.best((r) => r.timestamp >= from && r.timestamp < to, (r) => r.severity * 1e12 - r.timestamp);
  }

  private best(where: (r: DashRecord) => boolean, score: (r: DashRecord) => number): DashRecord | undefined {
    let pick: DashRecord | undefined;
    let top = -Infinity;
    for (const r of this.matching()) {
      if (!where(r)) continue;
      const s = score(r);
      if (s > top || (s === top && pick && r.timestamp > pick.timestamp)) {
        pick = r;
        top = s;
      }
    }
    return pick;
  }
}

function bump(m: Map<string, number>, k: string, sign: number): void {
  const n = (m.get(k) ?? 0) + sign;
  if (n === 0) m.delete(k);
  else m.set(k, n);
}
