// MonitorService: the running monitor. Wires one live source (the primary endpoint), a fetcher per
// endpoint, the BlockMonitor, the JSONL writer, recovery, the head-lag check, the checkpoint and
// the 1 s tick, and reports what happens as events for whichever face runs it (CLI, extension,
// HTTP). Data flows one way: source → pipeline → monitor → records → writer/listeners.
import { EventEmitter } from 'node:events';
import type { BackfillProgress } from './backfill';
import { CheckpointStore, checkpointPathFor, type Checkpoint } from './checkpoint';
import { toClassified } from './chain/errors';
import { RpcFetcher, type FetcherOptions } from './chain/fetcher';
import { HeadLagChecker } from './chain/headLag';
import { createSource, type SourceOptions } from './chain/sources';
import type { BlockSource, Endpoint } from './chain/types';
import type { AlertChannelKind, MonitorFileConfig } from '../core/config';
import { JsonlWriter, writerOptionsFrom, type JsonlWriterOptions } from './log/writer';
import type { RecordSink } from './store/types';
import { recordKey, type BlockInfo, type MissedBlock, type MissedBlockReason } from '../core/model';
import { AlertManager, type AlertManagerOptions } from './alerts';
import type { AlertMessage } from './alerts';
import { BlockMonitor, type MonitorOptions, type RecordChange } from '../core/monitor';
import { BlockPipeline } from './pipeline';
import { Recovery } from './recovery';
import { explorerFromConfig, type ExplorerOptions } from './chain/explorer';
import { loggedAfter, planResume, runResume, unrecoveredGaps } from './resume';
import type { MonitorStats } from '../core/stats';
import { abortableSleep } from './sleep';
import { backoffDelay } from '../core/backoff';
import { BlockTimeResolver, type BlockTimeInUse, type BlockTimeNews } from '../core/blockTime';
import { BeaconSource, type BeaconSourceOptions, type BeaconStatus } from './beacon/beaconSource';
import { wireBeacon } from './beacon/wiring';
import { ValueLostTally } from '../core/payloads';
import { ProposerTally } from '../core/proposers';
import { RelayWatcher, type RelayStatus, type RelayWatchSettings } from './relay/watcher';
import type { SlotBlocks } from './relay/slotBlocks';
import { loggedPayloadKeys } from './relay/logged';
import { endpointsFromUrls } from './endpoints';
import type { RiskUpdate } from '../core/risk';
import { createRiskWatcher, riskLine } from './risk/attach';
import type { RiskWatcher, RiskWatcherOptions } from './risk/riskWatcher';

export interface MonitorServiceOptions {
  config: MonitorFileConfig;
  /** [primary, ...alternatives]. */
  endpoints: readonly Endpoint[];
  /** Overrides config.logging.logFilePath. */
  logPath?: string;
  /** Checkpoint file; default `<log>.checkpoint.json`; false: no checkpoint, no resume. */
  checkpointPath?: string | false;
  /** Minimum time between checkpoint writes. Default 1 s. */
  checkpointIntervalMs?: number;
  /** The wall-clock timer (stalls, overdue slots) and the 'stats' event. Default 1 s. */
  tickMs?: number;
  /** Head-lag comparison across endpoints (only with ≥ 2). Default every 5 s, threshold 3 blocks. */
  headLag?: { thresholdBlocks?: number; intervalMs?: number };
  source?: SourceOptions;
  fetcher?: FetcherOptions;
  writer?: Partial<JsonlWriterOptions>;
  monitor?: Partial<MonitorOptions>;
  /** Most blocks a resume backfills (older downtime is skipped with a warning). Default 100 000. */
  maxBackfillBlocks?: number;
  backfill?: { windowSize?: number; concurrency?: number };
  recovery?: { batchSize?: number; concurrency?: number };
  /** Overrides for the [recovery] explorer (tests: request spacing, timeout). */
  explorer?: Partial<ExplorerOptions>;
  /** Alert delivery ([alerts] of the config); false turns alerting off (tests, untrusted workspaces). */
  alerts?: Partial<AlertManagerOptions> | false;
  /** A second home for every record the log gets (the shared PostgreSQL store); its problems are warnings. */
  sink?: RecordSink;
  /** A beacon node to follow too (missed slots with their proposers, reorgs); alone when `endpoints` is empty. */
  beacon?: BeaconSourceOptions;
  /** Delivered payloads of these relays checked against the beacon chain (`payload_missed` records). */
  relay?: { settings: RelayWatchSettings; slotBlocks: SlotBlocks };
  /** Early warning ([risk] of the config); false turns it off whatever the config says. */
  risk?: Partial<RiskWatcherOptions> | false;
}

/** `detail` says why the primary is down in words an operator can act on (see chain/errors describeFailure). */
export type ServiceStatus = { state: 'up' } | { state: 'down'; reason: MissedBlockReason; detail: string };

export interface AlertDelivery {
  channel: string;
  result: 'queued' | 'delivered' | 'failed';
  depth: number;
}

export type BackfillEvent =
  | { phase: 'start'; from: number; to: number; skipped: number }
  | ({ phase: 'progress' } & BackfillProgress)
  | { phase: 'done'; from: number; to: number; count: number }
  | { phase: 'retry'; reason: MissedBlockReason; message: string; delayMs: number }
  | { phase: 'skipped'; why: string };

export interface MonitorServiceEvents {
  record: (r: MissedBlock, change: RecordChange) => void;
  stats: (s: MonitorStats) => void;
  status: (s: ServiceStatus) => void;
  backfill: (e: BackfillEvent) => void;
  /** Each head-lag round (â¥ 2 endpoints): every endpoint's head that answered, and the best (undefined: none answered). */
  heads: (heads: ReadonlyMap<string, number>, best: number | undefined) => void;
  /**
   * AlertManager queued an alert (an incident reached alert_threshold or a channel's minimum
   * severity), for these channels. The one alert path: nothing else announces alerts. When it is
   * delivered, the records' alert_sent turns true and they come again as 'record' ('updated').
   */
  alert: (msg: AlertMessage, channels: AlertChannelKind[]) => void;
  /** An alert message was queued for, delivered to, or given up on a channel; `depth` is what the outbox still owes. */
  delivery: (e: AlertDelivery) => void;
  /** A relay (or the beacon node it is checked against) stopped or started answering. */
  relay: (s: RelayStatus) => void;
  /** A source's risk score after each probe round (`transition` when it crossed the threshold). */
  risk: (u: RiskUpdate) => void;
  /** Something went wrong that the service survives (disk, a failed fetch). */
  warning: (message: string) => void;
  /** Something worth saying once (the block time measured, missed-slot detection off, a chain reset). */
  notice: (message: string) => void;
  /** The beacon node's state (with `beacon`): up, down (why), syncing, synced. */
  beacon: (s: BeaconStatus) => void;
}

/**
 * Polling slower than the chain makes blocks would skip heads and log false gaps: half the block
 * time, within 100 ms … 2 s; 1 s while the block time is still unknown (not configured, no preset yet).
 */
function pollIntervalFor(t: BlockTimeInUse): number {
  return t.source === 'default' ? 1_000 : Math.max(100, Math.min(2_000, Math.floor(t.ms / 2)));
}

/** Unrecovered gap records carried over from the log at most (the newest). */
const CARRIED_GAPS_MAX = 1000;

export class MonitorService extends EventEmitter {
  readonly monitor: BlockMonitor;
  readonly logPath: string;
  readonly checkpoint: CheckpointStore | undefined;
  private readonly fetchers: RpcFetcher[];
  private readonly source: BlockSource | undefined;
  private readonly beacon: BeaconSource | undefined;
  /** The first endpoint; the beacon node when it is followed alone. */
  private readonly primary: Endpoint;
  private readonly pipeline: BlockPipeline;
  private readonly writer: JsonlWriter | undefined;
  private alerts: AlertManager | undefined;
  private readonly recovery: Recovery | undefined;
  private readonly headLag: HeadLagChecker | undefined;
  private readonly abort = new AbortController();
  private tickTimer: NodeJS.Timeout | undefined;
  private resuming: Promise<void> = Promise.resolve();
  private chainId: number | undefined;
  private backfilling = false;
  private retryNow: AbortController | undefined;
  /** The newest processed head, waiting for the writer to get its records into the file. */
  private heldHead: BlockInfo | undefined;
  /** Records already in the log for blocks after the checkpoint (key → recovered): not written again. */
  private logged: Map<string, boolean> | undefined;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private readonly blockTime: BlockTimeResolver;
  private lastStatus: ServiceStatus = { state: 'up' };
  private relayWatcher: RelayWatcher | undefined;
  private risk: RiskWatcher | undefined;
  /** Missed payloads since start (value lost), from the one tally every view uses. */
  private readonly valueLost = new ValueLostTally();
  /** The beacon node's missed slots per proposer since start, from the one tally every view uses. */
  private readonly proposers = new ProposerTally();

  constructor(private readonly o: MonitorServiceOptions) {
    super();
    if (o.endpoints.length === 0 && !o.beacon) throw new Error('at least one RPC endpoint (or a beacon node) is needed');
    const { config } = o;
    this.beacon = o.beacon ? new BeaconSource({ reportHead: o.endpoints.length === 0, ...o.beacon }) : undefined;
    const primary = (this.primary = o.endpoints[0] ?? { label: this.beacon!.label, url: o.beacon!.url });
    this.logPath = o.logPath ?? config.logging.logFilePath;
    this.fetchers = o.endpoints.map((e) => new RpcFetcher(e, { timeoutMs: o.source?.timeoutMs, ...o.fetcher }));
    this.monitor = new BlockMonitor(config.monitoring, {
      source: primary.label,
      headLagThreshold: o.headLag?.thresholdBlocks,
      onListenerError: (err) => this.warn(`record listener failed: ${String(err)}`),
      ...o.monitor,
    });
    const m = config.monitoring;
    this.blockTime = new BlockTimeResolver({ configuredMs: m.expectedBlockTimeMs, explicit: m.expectedBlockTimeExplicit, detect: m.detectMissedSlots });
    this.applyBlockTime(this.blockTime.inUse());
    if (config.logging.enableFileLogging && config.monitoring.logMissedBlocks) {
      this.writer = new JsonlWriter(
        writerOptionsFrom(config.logging, {
          path: this.logPath,
          onError: (e) => this.warn(`log ${this.logPath}: ${e.message}`),
          onIdle: () => this.releaseHead(),
          ...o.writer,
        }),
      );
    }
    if (o.checkpointPath !== false && o.endpoints.length > 0) {
      this.checkpoint = new CheckpointStore(o.checkpointPath ?? checkpointPathFor(this.logPath), {
        intervalMs: o.checkpointIntervalMs,
        onError: (e) => this.warn(`checkpoint: ${e.message}`),
      });
    }
    this.pipeline = new BlockPipeline(this.monitor, this.fetchers, {
      onHead: (b) => this.headProcessed({ ...b, chainId: b.chainId ?? this.chainId }),
      onError: (e) => this.warn(`processing: ${e.message}`),
    });
    if (config.monitoring.enableRecovery && this.fetchers.length > 0) {
      // After the RPC retries and the alternatives, the block explorer of [recovery], if any.
      const explorer = explorerFromConfig(config.recovery, { chainId: () => this.chainId, warn: (m) => queueMicrotask(() => this.warn(m)), extra: o.explorer });
      this.recovery = new Recovery({
        target: this.monitor,
        fetchers: explorer ? [...this.fetchers, explorer] : this.fetchers,
        retryAttempts: config.monitoring.retryAttempts,
        retryDelayMs: config.monitoring.retryDelayMs,
        neighbours: (n) => this.monitor.blockAt(n),
        onError: (e) => this.warn(`recovery: ${e.message}`),
        ...o.recovery,
      });
    }
    if (this.fetchers.length > 1) {
      this.headLag = new HeadLagChecker(this.fetchers, {
        thresholdBlocks: o.headLag?.thresholdBlocks ?? 3,
        intervalMs: o.headLag?.intervalMs ?? 5_000,
      });
    }
    this.source = o.endpoints.length > 0 ? createSource(primary, { pollIntervalMs: pollIntervalFor(this.blockTime.inUse()), ...o.source }) : undefined;
    this.wire();
  }

  override on<E extends keyof MonitorServiceEvents>(event: E, listener: MonitorServiceEvents[E]): this {
    return super.on(event, listener);
  }

  override once<E extends keyof MonitorServiceEvents>(event: E, listener: MonitorServiceEvents[E]): this {
    return super.once(event, listener);
  }

  override off<E extends keyof MonitorServiceEvents>(event: E, listener: MonitorServiceEvents[E]): this {
    return super.off(event, listener);
  }

  /** The beacon node is the only node followed (its up/down is the service's status). */
  get beaconAlone(): boolean {
    return this.beacon !== undefined && this.o.endpoints.length === 0;
  }

  get endpoints(): readonly Endpoint[] {
    return this.o.endpoints.length > 0 ? this.o.endpoints : [this.primary];
  }

  /** The block time slots are judged by, and where it came from (config, chain preset, measured). */
  blockTimeInUse(): BlockTimeInUse {
    return this.blockTime.inUse();
  }

  /**
   * Open the log, resume from the checkpoint (backfill, in the background while the node is
   * unreachable) and start following the live source. Resolves once the source has made its
   * first attempt; an unreachable node is a 'status' down event, not a rejection.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('a MonitorService starts once');
    this.state = 'running';
    await this.writer?.open();
    await this.o.sink?.start((m) => this.warn(m));
    if (this.o.alerts !== false) {
      this.alerts = await AlertManager.open({
        config: this.o.config,
        logPath: this.logPath,
        source: this.primary.label,
        head: () => this.monitor.lastProcessed()?.number,
        // A delivered alert flips the records' alert_sent: write them again (readers keep the last).
        onDelivered: (records) => {
          for (const r of records) {
            this.writer?.write(r);
            this.o.sink?.write(r);
            this.emit('record', r, 'updated');
          }
        },
        onWarning: (m) => this.warn(`alerts: ${m}`),
        ...this.o.alerts,
      });
      this.alerts.on('queued', (msg, channels) => {
        if (msg.kind === 'alert') this.emit('alert', msg, channels);
      });
      const a = this.alerts;
      const delivery = (channel: string, result: AlertDelivery['result']) => this.emit('delivery', { channel, result, depth: a.depth } satisfies AlertDelivery);
      a.on('queued', (_m, channels) => channels.forEach((c) => delivery(c, 'queued')));
      a.on('delivered', (_m, c) => delivery(c, 'delivered'));
      a.on('failed', (_m, c) => delivery(c, 'failed'));
      // Sinks that publish alerts (Redis Streams) get each message as it is queued for delivery.
      if (this.o.sink?.writeAlert) this.alerts.on('queued', (msg) => this.o.sink?.writeAlert?.(msg));
    }
    const cp = await this.checkpoint?.load();
    if (cp && this.writer) this.logged = await loggedAfter(this.logPath, cp.number);
    // Gaps whose recovery a stop or a crash interrupted are retried, not left open forever.
    const carried = this.recovery && this.writer ? this.monitor.adoptPending(await unrecoveredGaps(this.logPath, CARRIED_GAPS_MAX)) : 0;
    if (carried > 0) {
      this.emit('warning', `resuming recovery of ${carried} gap record${carried === 1 ? '' : 's'} left unrecovered in ${this.logPath}`);
      queueMicrotask(() => this.recovery?.kick());
    }
    if (cp) {
      this.pipeline.hold();
      this.resuming = this.resume(cp);
    }
    this.blockTimeNews(this.blockTime.start());
    if (this.o.relay) await this.startRelay(this.o.relay);
    if (this.o.risk !== false) await this.startRisk(this.o.risk ?? {});
    this.tickTimer = setInterval(() => this.tick(), this.o.tickMs ?? 1000);
    this.headLag?.start();
    await this.beacon?.start();
    await this.source?.start();
  }

  /** Resolves when the startup backfill (if any) has finished and the live feed took over. */
  resumed(): Promise<void> {
    return this.resuming;
  }

  /** Stop everything; flush the log and the checkpoint. Safe to call more than once. */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.abort.abort();
    clearInterval(this.tickTimer);
    this.headLag?.stop();
    await this.risk?.stop();
    await this.relayWatcher?.stop();
    await this.source?.stop();
    await this.beacon?.stop();
    await this.resuming.catch(() => undefined);
    await this.pipeline.drain();
    this.pipeline.close();
    await this.recovery?.stop();
    // The log first: the checkpoint may only pass blocks whose records reached the file.
    await this.alerts?.close();
    await this.writer?.close();
    await this.o.sink?.close();
    await this.checkpoint?.close().catch((e: Error) => this.warn(`checkpoint: ${e.message}`));
    await Promise.all(this.fetchers.map((f) => f.close().catch(() => undefined)));
    this.state = 'stopped';
  }

  /** The primary endpoint's state as last reported (up until a first 'down'). */
  get status(): ServiceStatus {
    return this.lastStatus;
  }

  /** Alert deliveries the outbox still owes (0 without alerting). */
  get alertOutboxDepth(): number {
    return this.alerts?.depth ?? 0;
  }

  getStats(): MonitorStats {
    const s = this.monitor.getStats();
    if (this.o.relay) s.value_lost = this.valueLost.summary();
    if (this.beacon) s.missed_slots_by_proposer = this.proposers.summary();
    return s;
  }

  /** Relay labels (host:port) being checked; empty without [relay]. */
  get relays(): string[] {
    return endpointsFromUrls(this.o.relay?.settings.urls ?? []).map((e) => e.label);
  }

  /** Records the writer has accepted but not yet written. */
  get pendingWrites(): number {
    return this.writer?.pending ?? 0;
  }

  /** Wait until recovery has nothing left to do (tests, benches). */
  recoveryIdle(): Promise<void> {
    return this.recovery?.idle() ?? Promise.resolve();
  }

  /** Write batched records now. */
  /** Mute every alert channel but the file until `untilMs` (unix ms), as `[alerts] mute_until`; false when alerting is off. */
  muteAlerts(untilMs: number): boolean {
    this.alerts?.mute(untilMs);
    return this.alerts !== undefined;
  }

  flush(): Promise<void> {
    return this.writer?.flush() ?? Promise.resolve();
  }

  private wire(): void {
    this.monitor.onRecord((r, change) => this.onRecord(r, change));
    if (this.beacon) {
      const label = this.beacon.label;
      wireBeacon(this.beacon, this, this.monitor, this.o.endpoints.length === 0, (n) => this.o.sink?.noteHead?.({ source: label, ...(this.chainId !== undefined ? { chain_id: this.chainId } : {}), number: n }));
    }
    if (!this.source) return;
    this.source.on('block', (b) => {
      this.chainId ??= b.chainId;
      if (b.chainId !== undefined) this.blockTimeNews(this.blockTime.chainId(b.chainId));
      this.blockTimeNews(this.blockTime.observe(b));
      this.risk?.block(b);
      this.pipeline.live(b);
    });
    this.source.on('error', (reason) => {
      this.risk?.sourceError(reason);
      this.monitor.noteTransportError(reason);
    });
    this.source.on('down', (reason, detail) => {
      this.monitor.noteTransportError(reason);
      this.risk?.sourceError(reason);
      this.lastStatus = { state: 'down', reason, detail };
      this.emit('status', this.lastStatus);
    });
    this.source.on('up', () => {
      // A backfill waiting to retry need not wait out its backoff: the node answers again.
      this.retryNow?.abort();
      this.risk?.reconnected();
      this.lastStatus = { state: 'up' };
      this.emit('status', this.lastStatus);
    });
    // Every round, not just transitions: the monitor keeps one record per lag episode and ends
    // an episode when the lag is back within the threshold.
    this.headLag?.on('round', (round) => {
      // A round nobody answered still tells the views that every alternative is down.
      if (round.best !== undefined) for (const [label, head] of round.heads) this.monitor.noteHeadLag(label, round.best - head, round.best);
      this.emit('heads', round.heads, round.best);
    });
  }

  private blockTimeNews(news: BlockTimeNews | undefined): void {
    if (!news) return;
    this.applyBlockTime(news.inUse);
    if (news.message) this.emit('notice', news.message);
  }

  private applyBlockTime(t: BlockTimeInUse): void {
    this.monitor.setBlockTime(t.ms, t.slots);
    // Constructor: the source does not exist yet (it is made with this interval).
    if (this.source && this.o.source?.pollIntervalMs === undefined) this.source.setPollInterval?.(pollIntervalFor(t));
  }

  /** A record made outside the monitor (a missed expected transaction): logged, stored, alerted and emitted as its own are. */
  addRecord(r: MissedBlock): void {
    this.onRecord(r, 'new');
  }

  private onRecord(r: MissedBlock, change: RecordChange): void {
    if (r.chain_id === undefined && this.chainId !== undefined) r.chain_id = this.chainId;
    this.proposers.add(r);
    // The chain began again: what the log held for these numbers described the old chain.
    if (r.kind === 'chain_reset' && change === 'new') {
      this.logged = undefined;
      this.checkpoint?.chainReset();
    }
    // Before the write: the alert manager sets alert_sent on records it has already delivered for.
    this.alerts?.observe(r, change);
    if (!this.alreadyLogged(r)) {
      this.writer?.write(r);
      this.o.sink?.write(r);
    }
    this.emit('record', r, change);
    if (change === 'new' && (r.kind ?? 'gap') === 'gap' && this.recovery) {
      // After the monitor's current call returns: recovery reads monitor.pending().
      queueMicrotask(() => this.recovery?.kick());
    }
  }

  /**
   * A head was processed. The checkpoint moves to it only once every record accepted so far is in
   * the file: a kill -9 with records still queued (a batch, a failing disk) then resumes from a
   * block before them and detects them again, instead of skipping them for good.
   */
  private headProcessed(b: BlockInfo): void {
    // The store judges "current streak" by it (mbm_heads); queued behind the records written so far.
    this.o.sink?.noteHead?.({ source: this.primary.label, ...(b.chainId !== undefined ? { chain_id: b.chainId } : {}), number: b.number });
    if (!this.checkpoint) return;
    if (!this.writer || this.writer.pending === 0) {
      this.heldHead = undefined;
      this.checkpoint.update(b, this.monitor.genesisBlockHash());
    } else {
      this.heldHead = b;
    }
  }

  private releaseHead(): void {
    const b = this.heldHead;
    this.heldHead = undefined;
    if (b) this.checkpoint?.update(b, this.monitor.genesisBlockHash());
  }

  /** Re-detected after a restart and already in the log (recovered there, if it is recovered now). */
  private alreadyLogged(r: MissedBlock): boolean {
    if (!this.logged || this.logged.size === 0) return false;
    const key = recordKey(r);
    const loggedRecovered = this.logged.get(key);
    if (loggedRecovered === undefined) return false;
    if (loggedRecovered || !r.recovered) return true;
    this.logged.set(key, true); // the recovery is news: written once
    return false;
  }

  private tick(): void {
    // A backfill replays the past; a stall timer running meanwhile would judge the past by today's clock.
    if (this.backfilling) return;
    this.monitor.tick();
    this.emit('stats', this.getStats());
  }

  /** Backfill from the checkpoint, retrying while the node cannot be reached; then release the live feed. */
  private async resume(saved: Checkpoint): Promise<void> {
    this.backfilling = true;
    const primary = this.fetchers[0];
    try {
      for (let attempt = 1; !this.abort.signal.aborted; attempt++) {
        // A retry after a partial backfill continues from what the monitor has already seen.
        const last = attempt > 1 ? this.monitor.lastProcessed() : undefined;
        const cp: Checkpoint = last ? { ...saved, ...last } : saved;
        try {
          const plan = await planResume(primary, cp, { maxBlocks: this.o.maxBackfillBlocks ?? 100_000 });
          this.chainId ??= await primary.chainId();
          if (plan.action === 'reset') {
            // The first live block is checked against the checkpoint's genesis: one chain_reset record.
            this.monitor.seed(cp);
            this.emit('backfill', { phase: 'skipped', why: plan.why } satisfies BackfillEvent);
            return;
          }
          if (plan.action === 'fresh') {
            this.emit('backfill', { phase: 'skipped', why: plan.why } satisfies BackfillEvent);
            this.warn(`not resuming from checkpoint: ${plan.why}`);
            return;
          }
          if (plan.skipped > 0) this.warn(`downtime of ${plan.skipped + plan.to - plan.from + 1} blocks: backfilling the last ${plan.to - plan.from + 1} only`);
          this.emit('backfill', { phase: 'start', from: plan.from, to: plan.to, skipped: plan.skipped } satisfies BackfillEvent);
          const res = await runResume({
            fetcher: primary,
            monitor: this.monitor,
            pipeline: this.pipeline,
            cp,
            plan,
            ...this.o.backfill,
            onProgress: (p) => this.emit('backfill', { phase: 'progress', ...p } satisfies BackfillEvent),
            signal: this.abort.signal,
          });
          this.emit('backfill', { phase: 'done', from: res.from, to: res.to, count: res.count } satisfies BackfillEvent);
          return;
        } catch (err) {
          const c = toClassified(err, 'backfill');
          const delayMs = backoffDelay(attempt, { initialMs: 500, maxMs: 30_000 }, c.retryAfterMs);
          this.emit('backfill', { phase: 'retry', reason: c.reason, message: c.message, delayMs } satisfies BackfillEvent);
          this.retryNow = new AbortController();
          await abortableSleep(delayMs, AbortSignal.any([this.abort.signal, this.retryNow.signal]));
          this.retryNow = undefined;
        }
      }
    } finally {
      await this.pipeline.release();
      this.backfilling = false;
    }
  }

  private async startRelay(relay: NonNullable<MonitorServiceOptions['relay']>): Promise<void> {
    // A restart judges its look-back slots again: what the log already has is not written twice.
    const known = this.writer ? await loggedPayloadKeys(this.logPath) : [];
    const w = (this.relayWatcher = new RelayWatcher({
      ...relay.settings,
      slotBlocks: relay.slotBlocks,
      source: this.o.endpoints[0].label,
      chainId: () => this.chainId,
      known,
    }));
    w.on('record', (r) => this.payloadRecord(r));
    w.on('status', (st) => this.emit('relay', st));
    w.on('warning', (m) => this.warn(m));
    w.start();
  }

  /** A missed payload: counted, alerted, logged and announced like the monitor's own records, but not held (no streak, no recovery). */
  private payloadRecord(r: MissedBlock): void {
    if (r.chain_id === undefined && this.chainId !== undefined) r.chain_id = this.chainId;
    this.monitor.countExternal(r);
    this.valueLost.add(r);
    this.alerts?.observe(r, 'new');
    this.writer?.write(r);
    this.o.sink?.write(r);
    this.emit('record', r, 'new');
  }

  /** Latest risk per source (empty when [risk] is off or before the first round). */
  riskNow(): RiskUpdate[] {
    return this.risk?.latest() ?? [];
  }

  private async startRisk(extra: Partial<RiskWatcherOptions>): Promise<void> {
    const w = (this.risk = await createRiskWatcher(this.o.config, this.o.endpoints, this.logPath, { onWarning: (m) => this.warn(m), ...extra }));
    if (!w) return;
    w.on('risk', (u) => {
      this.emit('risk', u);
      // Risk above the threshold for [risk] alert_after_slots slots in a row alerts like a streak does.
      if (u.transition === 'sustained') this.warn(riskLine(u));
    });
    w.start();
  }

  private warn(message: string): void {
    this.emit('warning', message);
  }
}

