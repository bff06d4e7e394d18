// AlertManager: records in, alert messages out. It groups the monitor's records into incidents
// (incidents.ts), decides alert/resolve per channel, applies mute and throttling, journals every
// message in the outbox before trying it, delivers through one ordered queue per channel, and
// tells the caller which records' alert_sent became true. One instance per monitored source.
//
//   const alerts = await AlertManager.open({ config, logPath, source, head: () => monitor.lastProcessed()?.number,
//                                            onDelivered: (records) => records.forEach((r) => writer.write(r)) });
//   monitor.onRecord((r, change) => alerts.observe(r, change));   // before writing r: stamps alert_sent
//   …
//   await alerts.close();
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { AlertChannelKind, AlertsConfig, BlockMonitoringConfig } from '../../core/config';
import type { MissedBlock } from '../../core/model';
import type { RecordChange } from '../../core/monitor';
import { createChannels, type Channel } from './channels';
import { ChannelQueue } from './delivery';
import { incidentFacts, IncidentTracker, toState, type Decision, type Incident, type IncidentState, type ResolvedRef } from '../../core/incidents';
import { alertMessage, incidentKey, resolveMessage, summaryMessage, type AlertMessage, type AlertSource, type IncidentFacts } from './message';
import { riskAlertMessage, riskIncidentKey, riskResolveMessage } from './riskMessage';
import { RiskIncidents, type RiskAlertInput } from '../../core/risk/riskAlerts';
import { Outbox, outboxPathFor, type DeliveryResult, type OutboxEntry } from './outbox';
import { Redactor } from '../../core/redact';
import type { SendError } from './sendError';
import { parseAlertSettings, type AlertSettings } from './settings';
import { Throttle } from './throttle';

export interface AlertManagerOptions {
  /** The loaded config (MonitorFileConfig fits): [alerts] and monitoring.alert_threshold. */
  config: { alerts: AlertsConfig; monitoring: Pick<BlockMonitoringConfig, 'alertThreshold'> };
  /** The JSONL log; the outbox and alerts.jsonl live in its directory. */
  logPath: string;
  /** Endpoint label of the monitored node (host:port). */
  source: string;
  /** Chain id when known up front; otherwise taken from the first record carrying chain_id. */
  chainId?: number;
  /** The monitor's head block, to tell when a streak is over. Without it: when all of it is recovered. */
  head?: () => number | undefined;
  /** Records whose alert went out (copies with alert_sent: true), to be written again. */
  onDelivered?: (records: MissedBlock[], info: { incident: string; channel: AlertChannelKind }) => void;
  /** Things that went wrong and were survived (also emitted as 'warning'). Secrets already removed. */
  onWarning?: (message: string) => void;
  /** Environment for `*_env` / `${VAR}` settings. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Wall clock, ms. Default Date.now. */
  now?: () => number;
  /** Jitter source. Default Math.random. */
  random?: () => number;
  /** Console channel's stream. Default process.stderr. */
  console?: Pick<NodeJS.WritableStream, 'write'>;
  /** Replace the channels built from the config (embedding, tests). */
  channels?: Channel[];
  /** `[risk] alert_after_slots`: a risk at or above its threshold this many rounds alerts (observeRisk). Unset: risk never alerts. */
  riskAlertAfter?: number;
  /** How often to check whether the chain has moved past an open incident. Default 1000; 0: never (call evaluate()). */
  evaluateEveryMs?: number;
}

export interface AlertManagerEvents {
  queued: (msg: AlertMessage, channels: AlertChannelKind[]) => void;
  delivered: (msg: AlertMessage, channel: AlertChannelKind) => void;
  failed: (msg: AlertMessage, channel: AlertChannelKind, err: Error) => void;
  retry: (msg: AlertMessage, channel: AlertChannelKind, attempt: number, delayMs: number, err: Error) => void;
  throttled: (msg: AlertMessage, channel: AlertChannelKind) => void;
  warning: (message: string) => void;
}

/** Local audit trail: always written, never muted or throttled. */
const UNTHROTTLED: ReadonlySet<AlertChannelKind> = new Set(['file']);

export class AlertManager extends EventEmitter {
  readonly settings: AlertSettings;
  private readonly tracker: IncidentTracker;
  private readonly queues = new Map<AlertChannelKind, ChannelQueue>();
  private readonly throttles = new Map<AlertChannelKind, Throttle>();
  private readonly throttleTimers = new Map<AlertChannelKind, NodeJS.Timeout>();
  private readonly writes = new Set<Promise<unknown>>();
  private readonly now: () => number;
  private chainId: number | undefined;
  private muteUntilMs: number | undefined;
  private evalTimer: NodeJS.Timeout | undefined;
  private evalScheduled = false;
  private closed = false;
  private readonly risk: RiskIncidents | undefined;

  private constructor(
    private readonly o: AlertManagerOptions,
    settings: AlertSettings,
    private readonly outbox: Outbox,
    private readonly channels: Channel[],
    private readonly redactor: Redactor,
  ) {
    super();
    this.settings = settings;
    this.now = o.now ?? Date.now;
    this.chainId = o.chainId;
    this.muteUntilMs = settings.muteUntilMs;
    this.tracker = new IncidentTracker({
      alertThreshold: settings.alertThreshold,
      channels: channels.map((c) => c.id),
      minSeverity: (c) => settings.rules[c].minSeverity,
      keyOf: (from) => incidentKey(this.source(), from),
    });
    this.tracker.restore(outbox.openIncidents(), outbox.resolvedIncidents());
    if (o.riskAlertAfter !== undefined) {
      this.risk = new RiskIncidents({ channels: channels.map((c) => c.id), alertAfter: o.riskAlertAfter, keyOf: (label, startedAt) => riskIncidentKey({ ...this.source(), label }, startedAt) });
    }
    for (const c of channels) {
      const rule = settings.rules[c.id];
      if (!UNTHROTTLED.has(c.id)) this.throttles.set(c.id, new Throttle(rule.throttleMax, rule.throttleWindowMs));
      this.queues.set(
        c.id,
        new ChannelQueue(c, {
          baseMs: settings.retry.baseMs,
          maxMs: settings.retry.maxMs,
          random: o.random,
          redactor,
          onDone: (e, result, err) => this.done(e, c.id, result, err),
          onRetry: (e, attempt, delayMs, err) => {
            this.emit('retry', e.msg, c.id, attempt, delayMs, err);
            if (attempt === 1 || attempt % 10 === 0) this.warn(`${err.message}; retrying (attempt ${attempt + 1} in ${Math.round(delayMs)} ms)`);
          },
        }),
      );
    }
  }

  /** Validate the [alerts] config (ConfigError), open the outbox and resume what it still owes. */
  static async open(o: AlertManagerOptions): Promise<AlertManager> {
    const settings = parseAlertSettings(o.config.alerts, { alertThreshold: o.config.monitoring.alertThreshold, env: o.env });
    const redactor = new Redactor(settings.secrets);
    const dir = path.dirname(path.resolve(o.logPath));
    const warn = (m: string) => o.onWarning?.(redactor.scrub(m));
    const outbox = await Outbox.open(outboxPathFor(o.logPath), { onWarning: warn });
    const channels = o.channels ?? createChannels(settings, { dir, redactor, console: o.console });
    const m = new AlertManager(o, settings, outbox, channels, redactor);
    m.resume();
    const every = o.evaluateEveryMs ?? 1000;
    if (every > 0) {
      m.evalTimer = setInterval(() => m.evaluate(), every);
      m.evalTimer.unref();
    }
    return m;
  }

  override on<E extends keyof AlertManagerEvents>(event: E, listener: AlertManagerEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof AlertManagerEvents>(event: E, listener: AlertManagerEvents[E]): this {
    return super.off(event, listener);
  }

  /**
   * A record the monitor made or changed. Synchronous and cheap: decisions are taken once the
   * monitor's current call has announced all its records. A record covered by an alert already
   * delivered gets alert_sent = true here, before the caller writes it.
   */
  observe(r: MissedBlock, _change?: RecordChange): void {
    if (this.closed) return;
    if (this.chainId === undefined && r.chain_id !== undefined) this.chainId = r.chain_id;
    if (this.tracker.deliveredCovers(r.block_number)) r.alert_sent = true;
    this.tracker.add({ ...r, metadata: { ...r.metadata } });
    if (!this.evalScheduled) {
      this.evalScheduled = true;
      queueMicrotask(() => {
        this.evalScheduled = false;
        this.evaluate();
      });
    }
  }

  /**
   * A risk round (RiskTracker's update, any endpoint): with `riskAlertAfter` set, a run at or above
   * `[risk] threshold` that long alerts and its end resolves (core/risk/riskAlerts.ts), through the
   * same mute, throttle, outbox and channels as a streak. Risk incidents are not kept over a restart.
   */
  observeRisk(u: RiskAlertInput): void {
    if (this.closed || !this.risk) return;
    try {
      const nowMs = this.now();
      const decisions = this.risk.update(u, (c) => this.isMuted(c, nowMs));
      if (decisions.length === 0) return;
      const items: { channels: AlertChannelKind[]; msg: AlertMessage }[] = [];
      for (const d of decisions) {
        const source = { ...this.source(), label: d.incident.source };
        const msg = d.type === 'alert' ? riskAlertMessage({ incident: d.incident, source, nowMs }) : riskResolveMessage({ incident: d.incident, source, endedAt: d.endedAt, nowMs });
        this.admit(msg, d.channels, nowMs, items);
      }
      this.journal(items);
    } catch (err) {
      this.warn(`risk alert evaluation failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Take decisions now (also runs on a timer, to notice the chain moving past a streak). */
  evaluate(): void {
    if (this.closed) return;
    try {
      const nowMs = this.now();
      const decisions = this.tracker.evaluate(this.o.head?.(), Math.floor(nowMs / 1000), (c) => this.isMuted(c, nowMs));
      if (decisions.length) this.dispatch(decisions, nowMs);
    } catch (err) {
      this.warn(`alert evaluation failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Mute every channel but the file until `untilMs` (unix ms; default: until unmute()). Not persisted. */
  mute(untilMs = Number.POSITIVE_INFINITY): void {
    this.muteUntilMs = untilMs;
  }

  unmute(): void {
    this.muteUntilMs = undefined;
  }

  get mutedUntil(): number | undefined {
    return this.muteUntilMs !== undefined && this.muteUntilMs > this.now() ? this.muteUntilMs : undefined;
  }

  /** Messages still owed, per channel. */
  pending(): Record<string, number> {
    return Object.fromEntries([...this.queues].map(([c, q]) => [c, q.size]));
  }

  openIncidents(): readonly Incident[] {
    return this.tracker.openIncidents;
  }

  /** (message, channel) deliveries owed: queued or in flight (the outbox depth metric). */
  get depth(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.size;
    return n;
  }

  /** Resolves when every decided message has been journalled and delivered (or given up). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.evalScheduled) await Promise.resolve();
      await Promise.all([...this.writes]);
      await Promise.all([...this.queues.values()].map((q) => q.idle()));
      if (this.writes.size === 0 && [...this.queues.values()].every((q) => q.size === 0) && !this.evalScheduled) return;
    }
  }

  /** Summaries of throttle windows that are over (also runs on their timers). */
  flushThrottles(): void {
    const nowMs = this.now();
    for (const [c, t] of this.throttles) {
      const s = t.closeIfOver(nowMs);
      if (s) this.journal([{ channels: [c], msg: summaryMessage({ channel: c, source: this.source(), suppressed: s, severity: 'High', nowMs }) }]);
    }
  }

  /**
   * Take the last decisions, journal the open incidents' latest state, stop sending (what is still
   * owed stays in the outbox for the next start) and close the channels.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.evaluate();
    this.closed = true;
    clearInterval(this.evalTimer);
    for (const t of this.throttleTimers.values()) clearTimeout(t);
    await Promise.all([...this.writes]);
    const open = this.tracker.openIncidents.filter((i) => Object.keys(i.alerted).length > 0).map(toState);
    await this.outbox.saveIncidents(open).catch((e: Error) => this.warn(`outbox: ${e.message}`));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await Promise.all(this.channels.map((c) => c.close?.().catch(() => undefined)));
    await this.outbox.close();
  }

  // ---------------------------------------------------------------- internals

  private source(): AlertSource {
    return { label: this.o.source, ...(this.chainId !== undefined ? { chain_id: this.chainId } : {}) };
  }

  private isMuted(c: AlertChannelKind, nowMs: number): boolean {
    return !UNTHROTTLED.has(c) && this.muteUntilMs !== undefined && nowMs < this.muteUntilMs;
  }

  /** What the outbox still owed at the last stop goes first, in its original order. */
  private resume(): void {
    for (const e of this.outbox.pending()) {
      for (const c of e.channels) {
        if (e.done[c]) continue;
        const q = this.queues.get(c);
        if (q) q.push(e);
        else {
          this.warn(`outbox: message ${e.msg.id} was owed to channel ${c}, which is no longer configured; dropped`);
          this.track(this.outbox.done(e.seq, c, 'failed'));
        }
      }
    }
  }

  private dispatch(decisions: Decision[], nowMs: number): void {
    const items: { channels: AlertChannelKind[]; msg: AlertMessage }[] = [];
    const states: IncidentState[] = [];
    const resolved: ResolvedRef[] = [];
    for (const d of decisions) {
      const inc = d.incident;
      const msg = d.type === 'alert' ? this.alertFor(inc, nowMs) : resolveMessage({ incident: inc.key, source: this.source(), facts: this.facts(inc, d.endedAt), nowMs });
      if (d.type === 'alert') states.push(toState(inc));
      else resolved.push({ key: inc.key, from_block: inc.fromBlock, to_block: inc.toBlock, delivered: inc.delivered });
      this.admit(msg, d.channels, nowMs, items);
    }
    this.journal(items, states, resolved);
  }

  /** Through each channel's throttle: what may go now is added to `items` (after any summary it owes). */
  private admit(msg: AlertMessage, channels: readonly AlertChannelKind[], nowMs: number, items: { channels: AlertChannelKind[]; msg: AlertMessage }[]): void {
    const admitted: AlertChannelKind[] = [];
    for (const c of channels) {
      const t = this.throttles.get(c);
      if (!t) {
        admitted.push(c);
        continue;
      }
      const { send, summary } = t.admit(msg, nowMs);
      if (summary) items.push({ channels: [c], msg: summaryMessage({ channel: c, source: this.source(), suppressed: summary, severity: 'High', nowMs }) });
      if (send) admitted.push(c);
      else {
        this.emit('throttled', msg, c);
        this.armThrottleTimer(c, t);
      }
    }
    items.push({ channels: admitted, msg });
  }

  private alertFor(inc: Incident, nowMs: number): AlertMessage {
    const facts = this.facts(inc);
    // An incident restored from the journal has no record in memory: describe it from its facts.
    const latest: MissedBlock = inc.latest ?? {
      timestamp: inc.startedAt,
      block_number: inc.toBlock,
      reason: 'Unknown',
      severity: inc.maxSeverity,
      expected_timestamp: inc.startedAt,
      actual_timestamp: inc.startedAt,
      recovery_attempts: 0,
      recovered: false,
      metadata: {},
      alert_sent: false,
    };
    const recordKeys = [...inc.records.keys()].slice(0, 1000);
    return alertMessage({ incident: inc.key, source: this.source(), facts, latest, recordKeys, nowMs, threshold: this.settings.alertThreshold });
  }

  private facts(inc: Incident, endedAt?: number): IncidentFacts {
    const { length, recovered } = incidentFacts(inc);
    return {
      from_block: inc.fromBlock,
      to_block: inc.toBlock,
      length,
      recovered,
      started_at: inc.startedAt,
      ...(endedAt !== undefined ? { ended_at: endedAt, duration_s: Math.max(0, endedAt - inc.startedAt) } : {}),
      max_severity: inc.maxSeverity,
    };
  }

  private armThrottleTimer(c: AlertChannelKind, t: Throttle): void {
    const due = t.dueAt();
    if (due === undefined || this.throttleTimers.has(c) || this.closed) return;
    const timer = setTimeout(() => {
      this.throttleTimers.delete(c);
      if (this.closed) return;
      const s = t.closeIfOver(this.now());
      if (s) this.journal([{ channels: [c], msg: summaryMessage({ channel: c, source: this.source(), suppressed: s, severity: 'High', nowMs: this.now() }) }]);
      else this.armThrottleTimer(c, t);
    }, Math.max(0, due - this.now()));
    timer.unref();
    this.throttleTimers.set(c, timer);
  }

  /** Durably journal, then hand each message to its channels' queues. */
  private journal(items: { channels: AlertChannelKind[]; msg: AlertMessage }[], states: IncidentState[] = [], resolved: ResolvedRef[] = []): void {
    const p = this.outbox.enqueue(items, states, resolved).then(
      (entries) => {
        for (const e of entries) {
          for (const c of e.channels) this.queues.get(c)?.push(e);
          this.emit('queued', e.msg, e.channels);
        }
      },
      (err: Error) => this.warn(`outbox ${this.outbox.file}: ${err.message}; ${items.length} alert message(s) not queued`),
    );
    this.track(p);
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined).finally(() => this.writes.delete(q));
    this.writes.add(q);
  }

  private async done(e: OutboxEntry, c: AlertChannelKind, result: DeliveryResult, err?: SendError): Promise<void> {
    try {
      await this.outbox.done(e.seq, c, result);
    } catch (je) {
      this.warn(`outbox ${this.outbox.file}: ${(je as Error).message} (message ${e.msg.id} may be sent again after a restart)`);
    }
    if (result === 'failed') {
      this.warn(`${err?.message ?? c}: giving up on message ${e.msg.id}`);
      this.emit('failed', e.msg, c, err ?? new Error(`${c}: failed`));
      return;
    }
    this.emit('delivered', e.msg, c);
    if (e.msg.kind !== 'alert' || !e.msg.incident) return;
    const inc = this.tracker.find(e.msg.incident);
    if (!inc || inc.delivered) return;
    const records = this.tracker.markDelivered(e.msg.incident).map((r) => ({ ...r, metadata: { ...r.metadata }, alert_sent: true }));
    if ('records' in inc) this.track(this.outbox.saveIncidents([toState(inc)]).catch(() => undefined));
    try {
      this.o.onDelivered?.(records, { incident: e.msg.incident, channel: c });
    } catch (cbErr) {
      this.warn(`onDelivered failed: ${(cbErr as Error).message}`);
    }
  }

  private warn(message: string): void {
    const m = this.redactor.scrub(message);
    this.emit('warning', m);
    this.o.onWarning?.(m);
  }
}

