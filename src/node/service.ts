// MonitorService: the running monitor. Wires one live source (the primary endpoint), a fetcher per
// endpoint, the BlockMonitor, the JSONL writer, recovery, the head-lag check, the checkpoint and
// the 1 s tick, and reports what happens as events for whichever face runs it (CLI, extension,
// HTTP). Data flows one way: source → pipeline → monitor → records → writer/listeners.
// The parts with their own concern live beside it: service/ (options and events, alerts, block
// time, the resume loop), beacon/wiring, relay/payloadWiring (value lost), risk/attach.
import { EventEmitter } from 'node:events';
import { CheckpointStore, checkpointPathFor, type Checkpoint } from './checkpoint';
import { RpcFetcher } from './chain/fetcher';
import { HeadLagChecker } from './chain/headLag';
import { createSource } from './chain/sources';
import type { BlockSource, Endpoint } from './chain/types';
import { JsonlWriter, writerOptionsFrom } from './log/writer';
import { recordKey, type BlockInfo, type MissedBlock } from '../core/model';
import type { AlertManager } from './alerts';
import { BlockMonitor, type RecordChange } from '../core/monitor';
import { BlockPipeline } from './pipeline';
import { Recovery } from './recovery';
import { explorerFromConfig } from './chain/explorer';
import { loggedAfter, unrecoveredGaps } from './resume';
import type { MonitorStats } from '../core/stats';
import type { BlockTimeInUse } from '../core/blockTime';
import { BeaconSource } from './beacon/beaconSource';
import { wireBeacon } from './beacon/wiring';
import { ProposerTally } from '../core/proposers';
import { ServicePayloads } from './relay/payloadWiring';
import type { RiskUpdate } from '../core/risk';
import { startRiskWatcher } from './risk/attach';
import type { RiskWatcher } from './risk/riskWatcher';
import { openServiceAlerts } from './service/alertWiring';
import { ServiceBlockTime } from './service/blockTimeWiring';
import { ResumeLoop } from './service/resumeLoop';
import type { MonitorServiceEvents, MonitorServiceOptions, ServiceStatus } from './service/types';

export type { AlertDelivery, BackfillEvent, MonitorServiceEvents, MonitorServiceOptions, ServiceStatus } from './service/types';

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
  private readonly resumeLoop: ResumeLoop | undefined;
  private chainId: number | undefined;
  private backfilling = false;
  /** The newest processed head, waiting for the writer to get its records into the file. */
  private heldHead: BlockInfo | undefined;
  /** Records already in the log for blocks after the checkpoint (key → recovered): not written again. */
  private logged: Map<string, boolean> | undefined;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private readonly blockTime: ServiceBlockTime;
  private lastStatus: ServiceStatus = { state: 'up' };
  /** [relay]: delivered payloads checked, and the value lost. */
  private readonly payloads: ServicePayloads | undefined;
  private risk: RiskWatcher | undefined;
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
    this.blockTime = new ServiceBlockTime(config.monitoring, this.monitor, (m) => this.emit('notice', m), o.source?.pollIntervalMs !== undefined);
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
    // Beacon node alone: the checkpoint records its head for the offline views (no resume from it).
    if (o.checkpointPath !== false) {
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
    if (o.endpoints.length > 0) {
      this.source = createSource(primary, { pollIntervalMs: this.blockTime.pollIntervalMs(), ...o.source });
      this.blockTime.attach(this.source);
      this.resumeLoop = new ResumeLoop({
        primary: this.fetchers[0]!,
        monitor: this.monitor,
        pipeline: this.pipeline,
        maxBlocks: o.maxBackfillBlocks ?? 100_000,
        backfill: o.backfill,
        signal: this.abort.signal,
        emit: (e) => this.emit('backfill', e),
        warn: (m) => this.warn(m),
        chainIdKnown: () => this.chainId !== undefined,
        setChainId: (id) => (this.chainId = id),
      });
    }
    if (o.relay) {
      this.payloads = new ServicePayloads(o.relay, {
        svc: this,
        source: primary.label,
        chainId: () => this.chainId,
        monitor: this.monitor,
        publish: (r) => this.publish(r, 'new', true),
        warn: (m) => this.warn(m),
      });
    }
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

  /** The chain id the node answered with (eth_chainId, or the first block's), once known. */
  get chainIdSeen(): number | undefined {
    return this.chainId;
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
    const sink = this.o.sink;
    await sink?.start((m) => this.warn(m));
    if (this.o.alerts !== false) {
      this.alerts = await openServiceAlerts(this, {
        config: this.o.config,
        logPath: this.logPath,
        source: this.primary.label,
        head: () => this.monitor.lastProcessed()?.number,
        rewrite: (r) => this.publish(r, 'updated', true, false),
        publish: sink?.writeAlert ? (msg) => sink.writeAlert?.(msg) : undefined,
        warn: (m) => this.warn(m),
        extra: this.o.alerts,
      });
    }
    // A checkpoint a beacon node alone wrote (no execution block hash) marks the head for the offline
    // views; it is no place to resume an RPC feed from.
    const loaded = this.o.endpoints.length > 0 ? await this.checkpoint?.load() : undefined;
    const cp = loaded && loaded.hash !== '' ? loaded : undefined;
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
    this.blockTime.start();
    await this.payloads?.start(this.writer ? this.logPath : undefined);
    if (this.o.risk !== false) this.risk = await startRiskWatcher(this, this.o.config, this.o.endpoints, this.logPath, (m) => this.warn(m), this.o.risk ?? {}, this.alerts);
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
    await this.payloads?.stop();
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
    if (this.payloads) s.value_lost = this.payloads.valueLost();
    if (this.beacon) s.missed_slots_by_proposer = this.proposers.summary();
    return s;
  }

  /** Relay labels (host:port) being checked; empty without [relay]. */
  get relays(): string[] {
    return this.payloads?.relays ?? [];
  }

  /** Records the writer has accepted but not yet written. */
  get pendingWrites(): number {
    return this.writer?.pending ?? 0;
  }

  /** Wait until recovery has nothing left to do (tests, benches). */
  recoveryIdle(): Promise<void> {
    return this.recovery?.idle() ?? Promise.resolve();
  }

  /** Mute every alert channel but the file until `untilMs` (unix ms), as `[alerts] mute_until`; false when alerting is off. */
  muteAlerts(untilMs: number): boolean {
    this.alerts?.mute(untilMs);
    return this.alerts !== undefined;
  }

  /** Write batched records now. */
  flush(): Promise<void> {
    return this.writer?.flush() ?? Promise.resolve();
  }

  /** Latest risk per source (empty when [risk] is off or before the first round). */
  riskNow(): RiskUpdate[] {
    return this.risk?.latest() ?? [];
  }

  private wire(): void {
    this.monitor.onRecord((r, change) => this.onRecord(r, change));
    if (this.beacon) {
      // Alone, the beacon node's head is the monitor's: the store's mbm_heads and the log's checkpoint
      // (hash unknown: '') get it, so offline views judge the current streak as the live monitor does.
      const label = this.beacon.label;
      wireBeacon(this.beacon, this, this.monitor, this.o.endpoints.length === 0, (n, slotTime) =>
        this.headProcessed({ number: n, hash: '', parentHash: '', timestamp: slotTime, source: label, ...(this.chainId !== undefined ? { chainId: this.chainId } : {}) }),
      );
    }
    if (!this.source) return;
    this.source.on('block', (b) => {
      this.chainId ??= b.chainId;
      this.blockTime.block(b);
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
      this.resumeLoop?.wake();
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
    const fresh = !this.alreadyLogged(r);
    this.publish(r, change, fresh);
    if (change === 'new' && (r.kind ?? 'gap') === 'gap' && this.recovery) {
      // After the monitor's current call returns: recovery reads monitor.pending().
      queueMicrotask(() => this.recovery?.kick());
    }
  }

  /**
   * The one path of a record out of the service: the alert manager sees it (before the write: it
   * sets alert_sent on records it has already delivered for), the log and the sink get it when
   * `write` (not when the log already has it), and 'record' listeners hear it. `observe` false: an
   * alert's own update.
   */
  private publish(r: MissedBlock, change: RecordChange, write: boolean, observe = true): void {
    if (observe) this.alerts?.observe(r, change);
    if (write) {
      this.writer?.write(r);
      this.o.sink?.write(r);
    }
    this.emit('record', r, change);
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
    try {
      await this.resumeLoop?.run(saved);
    } finally {
      await this.pipeline.release();
      this.backfilling = false;
    }
  }

  private warn(message: string): void {
    this.emit('warning', message);
  }
}
