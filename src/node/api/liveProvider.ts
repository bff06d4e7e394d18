// The API over a running MonitorService (`mbm watch --listen`): metrics and events from the
// service's own events, /stats from the monitor, /report and /export from the log it writes
// (flushed first, so they hold every record the monitor has made).
import { blockTimeFields } from '../../core/blockTime';
import { feedFromService, MissedBlockMetrics, type MetricsOptions } from './metrics';
import { toLogLine } from '../../core/model';
import type { MonitorService } from '../service';
import { EventLog } from './events';
import type { RiskUpdate } from '../../core/risk';
import type { ApiProvider, Health } from './provider';
import { ReportCache } from './reportCache';
import { createTransport } from '../chain/transport';
import type { RpcTransport } from '../chain/rpc';
import { judgeExpectations } from '../expect/judge';
import { DEFAULT_EXPECT_SETTINGS, type ExpectSettings } from '../expect/settings';
import { startProviderServer, type HttpServerOptions, type RunningHttpServer } from './server';

export interface LiveProviderOptions {
  /** POST /expect: how final a target block must be, and the alert threshold for record severity. */
  expect?: ExpectSettings & { alertThreshold: number };
  metrics?: MetricsOptions;
  /** Events kept for Last-Event-ID resumes. Default 10 000. */
  eventRing?: number;
  /** [[chains]]: the chain's view of the one registry, and the one event log, shared with the other chains. */
  shared?: { metrics: MissedBlockMetrics; events: EventLog; chain: string };
}

/** Attach before `svc.start()` to see the startup backfill and the first status too. */
export function liveProvider(svc: MonitorService, o: LiveProviderOptions = {}): ApiProvider {
  const metrics = o.shared?.metrics ?? new MissedBlockMetrics({ ...o.metrics, live: true });
  const events = o.shared?.events ?? new EventLog(o.eventRing);
  const chain = o.shared ? { chain: o.shared.chain } : {};
  const feed = feedFromService(metrics, svc, {
    onRecord(r, s) {
      events.push(s.first ? 'record' : s.recoveredNow ? 'recovered' : 'updated', toLogLine(r));
      // As `mbm serve` does: an alert is news when AlertManager's delivery flips alert_sent.
      if (s.alertedNow) events.push('alert', toLogLine(r));
    },
  });
  // Only crossings: a score every slot would drown the records.
  const onRisk = (u: RiskUpdate) => {
    if (u.transition) events.push('at_risk', { ...chain, source: u.source, at: u.at, score: u.risk.score, transition: u.transition, slots_above: u.above, by: u.risk.by, reasons: u.risk.reasons.map((r) => r.text) });
  };
  svc.on('risk', onRisk);
  const reports = new ReportCache([svc.logPath]);
  const startedAt = Date.now();
  let rpc: RpcTransport | undefined;
  const stopping = new AbortController();

  return {
    mode: 'live',
    metrics,
    events,
    async health(): Promise<Health> {
      const endpoints = feed.endpoints();
      const s = svc.getStats();
      const ok = endpoints.some((e) => e.up === true);
      return {
        ok,
        body: {
          status: ok ? 'ok' : 'down',
          mode: 'live',
          ...chain,
          endpoints: endpoints.map((e) => ({ label: e.label, up: e.up ?? null, head: e.head ?? null, ...(e.up === false && e.error ? { error: e.error } : {}) })),
          head: s.head ?? null,
          last_block_at: s.last_block_at ?? null,
          block_time: blockTimeFields(svc.blockTimeInUse()),
          log: svc.logPath,
          uptime_s: Math.round((Date.now() - startedAt) / 1000),
        },
      };
    },
    async stats() {
      return svc.getStats();
    },
    async report() {
      await svc.flush();
      return reports.get({ headBlock: svc.getStats().head?.number });
    },
    async exportFiles() {
      await svc.flush();
      return [svc.logPath];
    },
    async refreshMetrics() {
      feed.refresh();
    },
    async expect(expectations) {
      const primary = svc.endpoints[0];
      rpc ??= createTransport(primary.url, { label: primary.label });
      const settings = o.expect ?? { ...DEFAULT_EXPECT_SETTINGS, alertThreshold: 5 };
      const res = await judgeExpectations(expectations, { rpc, source: primary.label, ...settings, signal: stopping.signal });
      for (const r of res.records) svc.addRecord(r);
      return res;
    },
    async close() {
      stopping.abort();
      await rpc?.close();
      feed.detach();
      svc.off('risk', onRisk);
    },
  };
}

/** `mbm watch --listen`: the provider and the server together; close() stops both. */
export async function startLiveApi(svc: MonitorService, o: Omit<HttpServerOptions, 'provider'> & LiveProviderOptions): Promise<RunningHttpServer> {
  return startProviderServer(liveProvider(svc, o), o);
}
