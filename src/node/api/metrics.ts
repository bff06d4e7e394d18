// Prometheus metrics (README, "HTTP API and metrics") on a registry of our own (never prom-client's global one, so
// two monitors in one process, or a test, never share counters).
//
// Records are written again when they change (recovered, escalated), so counters go through a
// ledger of record keys: a record counts once in blocks_missed_total and by_severity (with the
// reason and severity it had when first seen, which keeps every counter monotonic), and once in
// blocks_recovered_total and the duration histogram when it is first seen recovered.
//
// Labels stay low-cardinality: reason, severity, endpoint label, alert channel, watched proposer. Never a block number.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ALERT_CHANNEL_KINDS } from '../../core/config';
import { MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES, recordKey, type MissedBlock } from '../../core/model';
import type { RiskUpdate } from '../../core/risk';
import type { AlertDelivery, MonitorService, ServiceStatus } from '../service';
import type { MonitorStats } from '../../core/stats';
import { ValueLostTally } from '../../core/payloads';

export const DEFAULT_METRICS_PREFIX = 'mev_relay_';
/**
 * Seconds. From 0.5 s up: the relay's buckets (5 is its own example). Below: sub-second ones,
 * because a recovery from a healthy node takes milliseconds (3–8 ms against a local node) and
 * histogram_quantile cannot answer below its lowest bucket.
 */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

export interface MetricsOptions {
  /** Prepended to every name. Default `mev_relay_`. */
  prefix?: string;
  /**
   * Include what only a running monitor knows (blocks processed, head per source, endpoint up).
   * Default true; `mbm serve` reads logs alone and leaves them out rather than show zeros.
   */
  live?: boolean;
  durationBuckets?: number[];
  /**
   * [[chains]]: every series also has a `chain` label, one of these names (the config's, so the
   * series stay few); each chain's service feeds `forChain(name)`.
   */
  chains?: readonly string[];
  /** Record keys remembered for once-only counting. Records are only rewritten while the monitor
   *  holds them (a few thousand), so the default leaves a wide margin. Default 200 000. */
  ledgerSize?: number;
}

/** What one sighting of a record meant. */
export interface Sighting {
  /** The key was not seen before: a new missed block. */
  first: boolean;
  /** Seen recovered for the first time. */
  recoveredNow: boolean;
  /** Seen with alert_sent for the first time. */
  alertedNow: boolean;
}

const RECOVERED = 1;
const ALERTED = 2;

/** Record key → what has been counted for it; least recently seen keys are forgotten first. */
export class RecordLedger {
  private readonly seen = new Map<string, number>();
  constructor(private readonly capacity = 200_000) {}

  see(r: MissedBlock): Sighting {
    const key = recordKey(r);
    const before = this.seen.get(key);
    const now = (before ?? 0) | (r.recovered ? RECOVERED : 0) | (r.alert_sent ? ALERTED : 0);
    if (before !== undefined) this.seen.delete(key);
    this.seen.set(key, now);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value!);
    const had = before ?? 0;
    return { first: before === undefined, recoveredNow: (now & RECOVERED) !== 0 && (had & RECOVERED) === 0, alertedNow: (now & ALERTED) !== 0 && (had & ALERTED) === 0 };
  }

  get size(): number {
    return this.seen.size;
  }
}

/** Seconds from detection to recovery, when the record says. */
export function recoverySeconds(r: MissedBlock): number | undefined {
  const s = typeof r.recovery_ms === 'number' ? r.recovery_ms / 1000 : typeof r.recovered_at === 'number' ? r.recovered_at - r.timestamp : undefined;
  return s !== undefined && Number.isFinite(s) && s >= 0 ? s : undefined;
}

// Fields are definitely assigned: by the constructor, or copied from the whole set by a chain's view.
export class MissedBlockMetrics {
  readonly registry = new Registry();
  readonly prefix!: string;
  private readonly ledger!: RecordLedger;
  private readonly missed!: Counter<string>;
  private readonly recovered!: Counter<string>;
  private readonly duration!: Histogram<string>;
  private readonly bySeverity!: Counter<string>;
  private readonly currentStreak!: Gauge<string>;
  private readonly longestStreak!: Gauge<string>;
  private readonly processed?: Counter<string>;
  private readonly head?: Gauge<string>;
  private readonly endpointUp?: Gauge<string>;
  private readonly missRisk?: Gauge<string>;
  private readonly alertsSent!: Counter<string>;
  private readonly alertsFailed!: Counter<string>;
  private readonly outbox!: Gauge<string>;
  private readonly byProposer!: Counter<string>;
  private readonly payloadsMissed!: Counter<string>;
  private readonly payloadValueMissed!: Counter<string>;
  /** The one value-lost tally (core/payloads.ts); the counters follow its per-relay numbers. */
  private readonly valueLost = new ValueLostTally();
  private readonly relayExported = new Map<string, { count: number; wei: bigint }>();
  private processedSeen = 0;
  /** `{ chain }` on a chain's view, `{}` otherwise: merged into every label set. */
  private readonly base: { chain?: string } = {};
  private readonly chainNames: readonly string[] | undefined;
  private readonly views = new Map<string, MissedBlockMetrics>();
  private readonly ledgerSize: number | undefined;

  constructor(o: MetricsOptions = {}, view?: { of: MissedBlockMetrics; chain: string }) {
    if (view) {
      // A chain's view: the same registry and series, its own ledger and running totals.
      Object.assign(this, view.of, { base: { chain: view.chain }, ledger: new RecordLedger(o.ledgerSize), valueLost: new ValueLostTally(), relayExported: new Map(), processedSeen: 0, views: new Map() });
      return;
    }
    this.chainNames = o.chains;
    const c = o.chains ? ['chain'] : [];
    const p = (this.prefix = o.prefix ?? DEFAULT_METRICS_PREFIX);
    if (!/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(p)) throw new Error(`metrics prefix must match [a-zA-Z_:][a-zA-Z0-9_:]*, got ${JSON.stringify(p)}`);
    this.ledgerSize = o.ledgerSize;
    this.ledger = new RecordLedger(o.ledgerSize);
    const registers = [this.registry];
    this.missed = new Counter({ name: `${p}blocks_missed_total`, help: 'Total number of missed blocks', labelNames: ['reason', ...c], registers });
    this.recovered = new Counter({ name: `${p}blocks_recovered_total`, help: 'Total number of recovered blocks', labelNames: c, registers });
    this.duration = new Histogram({
      name: `${p}missed_block_duration_seconds`,
      help: 'Time to recover missed blocks',
      buckets: o.durationBuckets ?? DURATION_BUCKETS,
      labelNames: c,
      registers,
    });
    this.bySeverity = new Counter({ name: `${p}missed_blocks_by_severity_total`, help: 'Missed blocks by severity when first detected', labelNames: ['severity', ...c], registers });
    this.currentStreak = new Gauge({ name: `${p}current_missed_streak`, help: 'Consecutive missed blocks in the current streak', labelNames: c, registers });
    this.longestStreak = new Gauge({ name: `${p}longest_missed_streak`, help: 'Longest run of consecutive missed blocks', labelNames: c, registers });
    if (o.live ?? true) {
      this.processed = new Counter({ name: `${p}blocks_processed_total`, help: 'Blocks processed by the monitor', labelNames: c, registers });
      this.head = new Gauge({ name: `${p}head_block`, help: 'Latest block number seen per endpoint (kept while the endpoint is down)', labelNames: ['source', ...c], registers });
      this.missRisk = new Gauge({ name: `${p}miss_risk`, help: 'Early-warning score in [0, 1] that a miss happens within the next few slots, per endpoint', labelNames: ['source', ...c], registers });
      this.endpointUp = new Gauge({ name: `${p}endpoint_up`, help: 'Whether the endpoint answers (1) or not (0)', labelNames: ['source', ...c], registers });
    }
    this.alertsSent = new Counter({ name: `${p}alerts_sent_total`, help: 'Alerts delivered, per channel', labelNames: ['channel', ...c], registers });
    this.alertsFailed = new Counter({ name: `${p}alerts_failed_total`, help: 'Alert deliveries that failed, per channel', labelNames: ['channel', ...c], registers });
    this.outbox = new Gauge({ name: `${p}alert_outbox_depth`, help: 'Alerts waiting in the outbox for delivery', labelNames: c, registers });
    // Labelled only for the proposers of [beacon] validators, so the series stay as few as they are.
    this.byProposer = new Counter({ name: `${p}missed_slots_by_proposer_total`, help: 'Missed slots (beacon node) of each watched proposer, by validator index', labelNames: ['proposer', ...c], registers });
    // Label: the relay's host:port (bounded by the configured relays), never its URL.
    this.payloadsMissed = new Counter({ name: `${p}payloads_missed_total`, help: 'Payloads a relay delivered that did not land (no block at the slot, or another block)', labelNames: ['relay', ...c], registers });
    this.payloadValueMissed = new Counter({ name: `${p}payload_value_missed_wei_total`, help: 'Value in wei of the payloads counted in payloads_missed_total (a float; the log keeps the exact string)', labelNames: ['relay', ...c], registers });
    // Every reason and severity from the start: a series that appears only on its first increment
    // makes rate() and increase() miss that first event.
    for (const base of o.chains ? o.chains.map((chain) => ({ chain })) : [{}]) {
      for (const reason of MISSED_BLOCK_REASONS) this.missed.inc({ ...base, reason }, 0);
      for (const severity of MISSED_BLOCK_SEVERITIES) this.bySeverity.inc({ ...base, severity }, 0);
      for (const channel of ALERT_CHANNEL_KINDS) {
        this.alertsSent.inc({ ...base, channel }, 0);
        this.alertsFailed.inc({ ...base, channel }, 0);
      }
    }
  }

  /** The metrics of one chain of `chains` (the same registry, every series labelled with it). */
  forChain(name: string): MissedBlockMetrics {
    if (!this.chainNames?.includes(name)) throw new Error(`metrics: ${JSON.stringify(name)} is not one of the chains they were made for`);
    let v = this.views.get(name);
    if (!v) this.views.set(name, (v = new MissedBlockMetrics({ ledgerSize: this.ledgerSize }, { of: this, chain: name })));
    return v;
  }

  /** `labels` with this view's chain. */
  private l(labels: Record<string, string> = {}): Record<string, string> {
    return { ...this.base, ...labels };
  }

  /** One record as announced or read back; counted once per key whatever the number of rewrites. */
  observeRecord(r: MissedBlock): Sighting {
    const s = this.ledger.see(r);
    if (s.first) {
      this.missed.inc(this.l({ reason: r.reason }));
      this.bySeverity.inc(this.l({ severity: r.severity }));
      if (r.kind === 'missed_slot' && r.proposer_index !== undefined && r.metadata.proposer_watched === true) this.byProposer.inc(this.l({ proposer: String(r.proposer_index) }));
    }
    if (s.first && r.kind === 'payload_missed') this.payloadMissed(r);
    if (s.recoveredNow) {
      this.recovered.inc(this.l());
      const secs = recoverySeconds(r);
      if (secs !== undefined) this.duration.observe(this.l(), secs);
    }
    return s;
  }

  /** A relay whose series should exist from the start (0), so rate() sees its first miss. */
  relayKnown(relay: string): void {
    this.payloadsMissed.inc(this.l({ relay }), 0);
    this.payloadValueMissed.inc(this.l({ relay }), 0);
  }

  private payloadMissed(r: MissedBlock): void {
    this.valueLost.add(r);
    const relay = r.relay ?? '';
    const now = this.valueLost.summary().by_relay[relay];
    if (!now) return;
    const was = this.relayExported.get(relay) ?? { count: 0, wei: 0n };
    const wei = BigInt(now.wei);
    if (now.count > was.count) this.payloadsMissed.inc(this.l({ relay }), now.count - was.count);
    if (wei > was.wei) this.payloadValueMissed.inc(this.l({ relay }), Number(wei - was.wei));
    this.relayExported.set(relay, { count: now.count, wei });
  }

  /** The monitor's cumulative blocks_processed; the counter follows it upwards. */
  setProcessed(total: number): void {
    if (this.processed && total > this.processedSeen) this.processed.inc(this.l(), total - this.processedSeen);
    this.processedSeen = Math.max(this.processedSeen, total);
  }

  setStreaks(current: number, longest: number): void {
    this.currentStreak.set(this.l(), current);
    this.longestStreak.set(this.l(), longest);
  }

  setHead(source: string, block: number): void {
    this.head?.set(this.l({ source }), block);
  }

  /** Down keeps the head gauge as it was: the last known head is still the truth to graph. */
  setEndpointUp(source: string, up: boolean): void {
    this.endpointUp?.set(this.l({ source }), up ? 1 : 0);
  }

  setMissRisk(source: string, score: number): void {
    this.missRisk?.set(this.l({ source }), score);
  }

  alertSent(channel: string): void {
    this.alertsSent.inc(this.l({ channel }));
  }

  alertFailed(channel: string): void {
    this.alertsFailed.inc(this.l({ channel }));
  }

  setOutboxDepth(n: number): void {
    this.outbox.set(this.l(), n);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}

export interface EndpointState {
  label: string;
  /** undefined until known (an alternative before the first head-lag round). */
  up?: boolean;
  head?: number;
  /** Why the endpoint is down (the primary's, from the service status). */
  error?: string;
}

export interface ServiceFeed {
  endpoints(): EndpointState[];
  /** Take the monitor's numbers now (a scrape between two 'stats' ticks still sees the latest). */
  refresh(): void;
  detach(): void;
}

/**
 * Live feed: the service's events drive the metrics. The primary counts as up until the source
 * reports it down (the source only says 'up' after a 'down'); alternatives are known from the
 * head-lag rounds, where an endpoint missing from a round did not answer. `onRecord` hears each
 * record with what it meant (new, recovered), for consumers that must agree with the counters.
 */
export function feedFromService(m: MissedBlockMetrics, svc: MonitorService, o: { onRecord?(r: MissedBlock, s: Sighting): void } = {}): ServiceFeed {
  const state = new Map<string, EndpointState>(svc.endpoints.map((e) => [e.label, { label: e.label }]));
  const primary = state.get(svc.endpoints[0].label)!;
  const setUp = (e: EndpointState, up: boolean) => {
    e.up = up;
    m.setEndpointUp(e.label, up);
  };
  const setHead = (e: EndpointState, n: number) => {
    e.head = n;
    m.setHead(e.label, n);
  };
  const onDelivery = (d: AlertDelivery) => {
    if (d.result === 'delivered') m.alertSent(d.channel);
    else if (d.result === 'failed') m.alertFailed(d.channel);
    m.setOutboxDepth(d.depth);
  };
  const onStats = (s: MonitorStats) => {
    m.setOutboxDepth(svc.alertOutboxDepth);
    m.setProcessed(s.blocks_processed);
    m.setStreaks(s.current_streak, s.longest_streak);
    if (s.head && s.head.number !== primary.head) setHead(primary, s.head.number);
  };
  const onStatus = (st: ServiceStatus) => {
    setUp(primary, st.state === 'up');
    primary.error = st.state === 'down' ? st.detail : undefined;
  };
  onStatus(svc.status);
  for (const relay of svc.relays) m.relayKnown(relay);
  onStats(svc.getStats());

  const onRecord = (r: MissedBlock) => {
    const s = m.observeRecord(r);
    o.onRecord?.(r, s);
  };
  const onHeads = (heads: ReadonlyMap<string, number>) => {
    for (const e of state.values()) {
      const h = heads.get(e.label);
      if (h !== undefined) setHead(e, h);
      // The primary's liveness comes from its own source; a round it missed is one slow answer.
      if (e !== primary) setUp(e, h !== undefined);
    }
  };
  svc.on('record', onRecord);
  svc.on('stats', onStats);
  svc.on('status', onStatus);
  svc.on('heads', onHeads);
  const onRisk = (u: RiskUpdate) => m.setMissRisk(u.source, u.risk.score);
  svc.on('delivery', onDelivery);
  svc.on('risk', onRisk);
  return {
    endpoints: () => [...state.values()].map((e) => ({ ...e })),
    refresh: () => onStats(svc.getStats()),
    detach() {
      svc.off('record', onRecord);
      svc.off('stats', onStats);
      svc.off('status', onStatus);
      svc.off('heads', onHeads);
      svc.off('delivery', onDelivery);
      svc.off('risk', onRisk);
    },
  };
}

/** Log feed (serve mode): one record read from a log, in file order. */
export function feedFromLogRecord(m: MissedBlockMetrics, r: MissedBlock): Sighting {
  return m.observeRecord(r);
}
