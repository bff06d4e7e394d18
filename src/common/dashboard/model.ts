// The dashboard's data: records keyed as every reader keys them (recordKey: the last version of a
// record wins), aggregates over those matching the filter and range kept up to date per record,
// and a view computed from them on demand. Pure: no DOM, no vscode; the webview runs it on the
// messages the host sends, and the tests run it in Node. apply() is incremental, and a snapshot
// followed by deltas gives the same view as one snapshot of the final log (tested).
import { MISSED_BLOCK_SEVERITIES } from '../../core/model';
import { Aggregates } from './aggregates';
import { ViewParts } from './viewParts';
import { defaultView, matcher, type Matcher, type ViewSettings } from './viewFilter';
import { cellStateOf, slotOf, type SlotClock } from './heatmap';
import type { DashboardView } from './view';
import { batchLength, decodeRow, type DashRecord, type RecordBatch, type RecordDetail } from './wire';

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
  /** Streak bars only for listed streaks (viewParts.ts). */
  listedStreaksOnly?: boolean;
}

/** The model's key for a record: recordKey, prefixed by the source in fleet mode. */
const fleetKey = (source: string, key: string): string => `${source}\u0000${key}`;

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
    const parts = new ViewParts(this.agg, { ...this.options, head: this.head, heads: this.heads });
    for (const r of this.records.values()) parts.add(r, this.match(r));
    const recent: RecordDetail[] = [];
    for (const d of [...this.details.values()].reverse()) {
      const r = this.records.get(d.key);
      if (r && this.match(r)) recent.push(d);
    }
    return parts.build({ held: this.records.size, facets: { reasons: this.facetReasons, severities: this.facetSeverities, sources: this.facetSources }, recent });
  }

  /** The record a heatmap cell stands for: the one that decided its colour (newest on a tie). */
  recordInSlot(slot: number): DashRecord | undefined {
    return this.pick({ what: 'slot', slot });
  }

  /** The first record of the streak starting at `fromBlock` (of `source`, in fleet mode). */
  recordAtBlock(block: number, source?: string): DashRecord | undefined {
    return this.pick({ what: 'block', block, ...(source !== undefined ? { source } : {}) });
  }

  /** The most severe record detected in [from, to) (earliest on a tie): what a timeline bar stands for. */
  recordInTime(from: number, to: number): DashRecord | undefined {
    return this.pick({ what: 'time', from, to });
  }

  pick(p: PickRequest): DashRecord | undefined {
    const rule = pickRule(p, this.options.clock);
    return this.best(rule.where, rule.score);
  }

  private best(where: (r: DashRecord) => boolean, score: (r: DashRecord) => number): DashRecord | undefined {
    const b = new BestPick(where, score);
    for (const r of this.matching()) b.offer(r);
    return b.pick;
  }
}

/** What a click on a chart stands for: a heatmap cell, a streak bar, a timeline bucket. */
export type PickRequest = { what: 'slot'; slot: number } | { what: 'block'; block: number; source?: string } | { what: 'time'; from: number; to: number };

/** Which records a pick may find, and which of them wins (the highest score; the newest on a tie). */
export function pickRule(p: PickRequest, clock: SlotClock): { where: (r: DashRecord) => boolean; score: (r: DashRecord) => number } {
  if (p.what === 'slot') return { where: (r) => slotOf(r, clock) === p.slot, score: (r) => cellStateOf(r) };
  if (p.what === 'block') return { where: (r) => r.block === p.block && (p.source === undefined || r.source === p.source), score: (r) => -r.timestamp };
  return { where: (r) => r.timestamp >= p.from && r.timestamp < p.to, score: (r) => r.severity * 1e12 - r.timestamp };
}

/** The best record offered so far by a pick rule (the caller offers only records in the view). */
export class BestPick {
  pick: DashRecord | undefined;
  private top = -Infinity;

  constructor(
    private readonly where: (r: DashRecord) => boolean,
    private readonly score: (r: DashRecord) => number,
  ) {}

  /** True when `r` is the best so far (a scratch record must then be copied by the caller). */
  offer(r: DashRecord): boolean {
    if (!this.where(r)) return false;
    const s = this.score(r);
    if (s > this.top || (s === this.top && this.pick && r.timestamp > this.pick.timestamp)) {
      this.pick = r;
      this.top = s;
      return true;
    }
    return false;
  }
}

function bump(m: Map<string, number>, k: string, sign: number): void {
  const n = (m.get(k) ?? 0) + sign;
  if (n === 0) m.delete(k);
  else m.set(k, n);
}
