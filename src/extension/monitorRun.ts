// One monitoring run in the extension host: src/node's MonitorService writing the JSONL log (and
// its checkpoint beside it) into the workspace. Loaded with import() on the first Start, so the
// chain and alert libraries cost nothing at activation. No vscode import.
//
// Records are not passed on from here: the views read them from the log (logWatcher.ts). What
// this reports is what no log holds: connection, source, head, missed %.
import { createColors } from 'picocolors';
import { formatRecord } from '../node/consoleText';
import { riskLine } from '../node/risk/attach';
import { parseAlertSettings } from '../node/alerts';
import { RpcFetcher } from '../node/chain/fetcher';
import type { MonitorFileConfig } from '../core/config';
import { blockTimeText } from '../core/blockTime';
import { endpointsFromUrls } from '../node/endpoints';
import { recordKey, type MissedBlock } from '../core/model';
import { Recovery } from '../node/recovery';
import { MonitorService } from '../node/service';
import { createTransport } from '../node/chain/transport';
import type { RpcTransport } from '../node/chain/rpc';
import { ExpectFiles, type FileVerdict } from '../node/expect/files';
import { expectSettingsFrom } from '../node/expect/settings';
import type { LiveInfo, LiveRisk } from './model/live';
import { riskConfigFrom } from '../core/risk';

export interface RunLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RunOptions {
  config: MonitorFileConfig;
  urls: readonly string[];
  logPath: string;
  /** Send alerts through the configured channels (false in Restricted Mode and tests). */
  alerts: boolean;
  log: RunLog;
  /** Connection, head or missed % changed. */
  onLive(): void;
}

const plain = createColors(false);

export class MonitorRun {
  readonly live: LiveInfo;
  private expectations: ExpectFiles | undefined;
  private expectRpc: RpcTransport | undefined;
  private readonly stopping = new AbortController();
  private constructor(
    private readonly svc: MonitorService,
    private readonly o: RunOptions,
  ) {
    this.live = { logFile: o.logPath, connection: 'connecting', source: svc.endpoints[0].label, blockTime: svc.blockTimeInUse() };
  }

  /** Validate, start the service and resolve once it made its first attempt (a node that is down is not an error). */
  static async start(o: RunOptions): Promise<MonitorRun> {
    const endpoints = endpointsFromUrls(o.urls);
    // A bad alert setup (a channel without its URL...) is reported before anything starts.
    if (o.alerts) parseAlertSettings(o.config.alerts, { alertThreshold: o.config.monitoring.alertThreshold });
    const svc = new MonitorService({
      config: o.config,
      endpoints,
      logPath: o.logPath,
      alerts: o.alerts ? { console: { write: (s: string | Uint8Array) => (o.log.info(`alert: ${String(s).trimEnd()}`), true) } } : false,
    });
    const run = new MonitorRun(svc, o);
    run.wire();
    try {
      await svc.start();
    } catch (err) {
      await svc.stop().catch(() => undefined);
      throw err;
    }
    return run;
  }

  get source(): string {
    return this.live.source;
  }

  /** Stop, flushing the log batch and the checkpoint. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.expectRpc?.close().catch(() => undefined);
    await this.svc.stop();
    this.live.connection = 'stopped';
    this.o.onLive();
  }

  /**
   * Judge the new lines of an expectation file (*.expect.jsonl) with this run's node; each missed
   * transaction becomes a record of this run (log, alerts), so the views show it.
   */
  expectFile(file: string): Promise<FileVerdict> {
    if (!this.expectations) {
      const primary = this.svc.endpoints[0];
      this.expectRpc = createTransport(primary.url, { label: primary.label });
      this.expectations = new ExpectFiles({
        rpc: this.expectRpc,
        source: primary.label,
        ...expectSettingsFrom(this.o.config),
        alertThreshold: this.o.config.monitoring.alertThreshold,
        signal: this.stopping.signal,
        onRecords: (rs) => rs.forEach((r) => this.svc.addRecord(r)),
      });
    }
    return this.expectations.judgeFile(file);
  }

  /** Mute the alert channels until `untilMs` (the service's alert manager); false when alerts are off. */
  get alertsOn(): boolean {
    return this.o.alerts;
  }

  muteAlerts(untilMs: number): boolean {
    return this.svc.muteAlerts(untilMs);
  }

  /** Write batched records now (before an export, so it includes them). */
  flush(): Promise<void> {
    return this.svc.flush();
  }

  /**
   * One immediate recovery pass over the unrecovered gaps the monitor still holds — those it is
   * working on and those whose retries ran out (`candidates`, from the log). Built from the core's
   * Recovery with no retry delay; the monitor rewrites each recovered record as usual.
   */
  async recoverNow(candidates: readonly MissedBlock[]): Promise<{ tried: number; recovered: number }> {
    const monitor = this.svc.monitor;
    const byKey = new Map<string, MissedBlock>();
    for (const r of [...monitor.pending(), ...candidates]) {
      if ((r.kind ?? 'gap') === 'gap' && !r.recovered) byKey.set(recordKey(r), r);
    }
    const jobs = [...byKey.values()];
    if (jobs.length === 0) return { tried: 0, recovered: 0 };
    const fetchers = this.svc.endpoints.map((e) => new RpcFetcher(e));
    let recovered = 0;
    const recovery = new Recovery({
      target: {
        pending: () => jobs,
        markRecovered: (key, info) => {
          const r = monitor.markRecovered(key, info);
          if (r) recovered++;
          return r;
        },
        markRecoveryFailed: (key, info) => monitor.markRecoveryFailed(key, info),
      },
      fetchers,
      retryAttempts: 1,
      retryDelayMs: 0,
      neighbours: (n) => monitor.blockAt(n),
      onError: (e) => this.o.log.warn(`recover now: ${e.message}`),
    });
    try {
      recovery.kick();
      await recovery.idle();
    } finally {
      await recovery.stop();
      await Promise.all(fetchers.map((f) => f.close().catch(() => undefined)));
    }
    return { tried: jobs.length, recovered };
  }

  private wire(): void {
    const { svc, o, live } = this;
    const changed = () => o.onLive();
    svc.on('status', (s) => {
      if (s.state === 'up') {
        if (live.connection !== 'up') o.log.info(`${live.source} is answering`);
        live.connection = 'up';
        live.downReason = undefined;
        live.downDetail = undefined;
      } else {
        if (live.connection !== 'down' || live.downDetail !== s.detail) o.log.warn(`${live.source} is down: ${s.detail} (${s.reason}); retrying`);
        live.connection = 'down';
        live.downReason = s.reason;
        live.downDetail = s.detail;
      }
      changed();
    });
    svc.on('stats', (s) => {
      const head = s.head?.number;
      // A block arriving proves the connection even before the source says 'up'.
      const connection = head !== undefined && live.connection === 'connecting' ? 'up' : live.connection;
      // The block time changes when the chain's preset or a measurement takes over (/health's too).
      const blockTime = svc.blockTimeInUse();
      const sameBlockTime = blockTimeText(blockTime) === (live.blockTime && blockTimeText(live.blockTime));
      if (head === live.head && s.missed_rate === live.missedRate && connection === live.connection && sameBlockTime) return;
      live.blockTime = blockTime;
      live.head = head;
      live.missedRate = s.missed_rate;
      live.connection = connection;
      changed();
    });
    svc.on('backfill', (e) => {
      switch (e.phase) {
        case 'start':
          o.log.info(`backfilling blocks ${e.from}…${e.to} missed while stopped${e.skipped ? ` (${e.skipped} older ones skipped)` : ''}`);
          live.backfill = `0/${e.to - e.from + 1}`;
          break;
        case 'progress':
          live.backfill = `${e.done}/${e.total}`;
          break;
        case 'done':
          o.log.info(`backfill done: ${e.count} blocks, now following the live head`);
          live.backfill = undefined;
          break;
        case 'retry':
          o.log.warn(`backfill failed (${e.reason}); retrying in ${Math.round(e.delayMs / 100) / 10} s`);
          break;
        case 'skipped':
          o.log.info(`not resuming from the checkpoint: ${e.why}`);
          live.backfill = undefined;
          break;
      }
      changed();
    });
    svc.on('alert', (m, channels) => o.log.warn(`alert (${channels.join(', ')}): ${m.title}`));
    // The riskiest endpoint of each round is what the status bar and the tree show.
    const risks = new Map<string, LiveRisk>();
    const { threshold } = riskConfigFrom(o.config);
    svc.on('risk', (u) => {
      if (u.transition) o.log.warn(riskLine(u));
      risks.set(u.source, { source: u.source, score: u.risk.score, threshold, above: u.above, reasons: u.risk.reasons.map((r) => r.text) });
      const worst = [...risks.values()].reduce((a, b) => (b.score > a.score ? b : a));
      const shown = (r: LiveRisk | undefined) => (r ? `${r.source}|${r.above > 0}|${r.score.toFixed(2)}|${r.reasons.join(';')}` : '');
      if (shown(worst) === shown(live.risk)) return;
      live.risk = worst;
      changed();
    });
    svc.on('warning', (w) => o.log.warn(w));
    svc.on('notice', (m) => o.log.info(m));
    if (o.config.logging.enableConsoleLogging) svc.on('record', (r) => o.log.info(formatRecord(r, plain)));
  }
}
