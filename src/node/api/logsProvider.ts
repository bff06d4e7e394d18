// The API over log files alone (`mbm serve`): whatever writes them (this monitor, a Rust relay, a
// script). Counters start from everything already in the logs (rotated siblings included) and
// follow each active log as it grows with a LogTailer, which also survives rotation; /stats and
// /report come from the report of the logs.
import { access, constants } from 'node:fs/promises';
import { feedFromLogRecord, MissedBlockMetrics, type MetricsOptions } from './metrics';
import { readRecordBatches, resolveLogFiles } from '../log/reader';
import { LogTailer } from '../log/tailer';
import { parseLogLine } from '../log/validate';
import { toLogLine, type MissedBlock } from '../../core/model';
import type { Report } from '../../core/report';
import { EventLog } from './events';
import type { ApiProvider, Health } from './provider';
import { ReportCache } from './reportCache';

export interface LogsProviderOptions {
  /** Logs as `mbm serve` was given them. */
  files: readonly string[];
  metrics?: MetricsOptions;
  /** Events kept for Last-Event-ID resumes. Default 10 000. */
  eventRing?: number;
  /** Tailer polling, for filesystems without change events. */
  usePolling?: boolean;
  /** How often each active log is also checked by a plain stat. Default 200 ms. */
  pollMs?: number;
  onWarning?(message: string): void;
}

/** The /stats body from logs: the monitor's field names where a log can tell them. */
export function statsFromReport(r: Report, files: readonly string[]) {
  return {
    mode: 'logs',
    files,
    total_missed: r.total_missed,
    recovered: r.recovered,
    recovery_rate: r.recovery_rate,
    avg_recovery_ms: r.avg_recovery_ms,
    current_streak: r.current_streak,
    longest_streak: r.longest_streak,
    by_reason: r.by_reason,
    by_severity: r.by_severity,
    by_kind: r.by_kind,
    first_block: r.first_block,
    last_block: r.last_block,
    last_timestamp: r.last_timestamp,
    ...(r.value_lost ? { value_lost: r.value_lost } : {}),
    ...(r.missed_slots_by_proposer ? { missed_slots_by_proposer: r.missed_slots_by_proposer } : {}),
  };
}

/** Active logs (not a rotated .gz) are the ones that grow. */
const followable = (f: string) => f.endsWith('.jsonl');

export async function startLogsProvider(o: LogsProviderOptions): Promise<ApiProvider> {
  const files = [...o.files];
  const metrics = new MissedBlockMetrics({ ...o.metrics, live: false });
  const events = new EventLog(o.eventRing);
  const reports = new ReportCache(files);
  let live = false;
  let lastProblem: string | undefined;

  const onRecord = (r: MissedBlock) => {
    const s = feedFromLogRecord(metrics, r);
    // What was already in the logs at startup is history, not news.
    if (!live) return;
    events.push(s.first ? 'record' : s.recoveredNow ? 'recovered' : 'updated', toLogLine(r));
    if (s.alertedNow) events.push('alert', toLogLine(r));
  };
  const onLine = (file: string) => (line: string, lineNo: number) => {
    if (line.trim() === '') return;
    const p = parseLogLine(line);
    if (p.ok) onRecord(p.record);
    else o.onWarning?.(`${file}:${lineNo}: ${p.message}`);
  };

  // Tailers first, from the end: a line appended while the backlog is read below is then seen
  // twice rather than never, and the metrics' ledger counts a record key once either way.
  const tailers = files.filter(followable).map(
    (f) => new LogTailer(f, { onLine: onLine(f), onError: (e) => o.onWarning?.(`${f}: ${e.message}`), usePolling: o.usePolling }),
  );
  await Promise.all(tailers.map((t) => t.start()));
  try {
    // Every version of every record in file order (collapse off), as a live feed would have seen them.
    const existing: string[] = [];
    for (const f of await resolveLogFiles(files)) if (await readable(f)) existing.push(f);
    for await (const batch of readRecordBatches(existing, { collapse: false, siblings: false })) for (const r of batch) onRecord(r);
    await Promise.all(tailers.map((t) => t.idle()));
  } catch (err) {
    await Promise.all(tailers.map((t) => t.stop()));
    throw err;
  }
  live = true;
  // Change events alone arrive late now and then (a write right after another is sometimes only
  // caught by the tailer's 1 s safety stat); /events promises news within a second, so look often.
  const busy = new Set<LogTailer>();
  const poller = setInterval(() => {
    for (const t of tailers) {
      if (busy.has(t)) continue; // a slow read is not queued up behind more polls
      busy.add(t);
      void t.poll().finally(() => busy.delete(t));
    }
  }, o.pollMs ?? 200);
  poller.unref();

  return {
    mode: 'logs',
    metrics,
    events,
    async health(): Promise<Health> {
      const checks = await Promise.all(files.map(async (f) => ({ path: f, readable: await readable(f) })));
      const ok = checks.every((c) => c.readable);
      return { ok, body: { status: ok ? 'ok' : 'unreadable', mode: 'logs', files: checks } };
    },
    async stats() {
      return statsFromReport(await reports.get(), files);
    },
    report: () => reports.get(),
    async exportFiles() {
      return files;
    },
    async refreshMetrics() {
      // A log unreadable for a moment must not take /metrics down: the gauges keep their values.
      const r = await reports.get().catch((e: Error) => {
        // Once per problem, not once per scrape.
        if (e.message !== lastProblem) o.onWarning?.(e.message);
        lastProblem = e.message;
      });
      if (r) {
        metrics.setStreaks(r.current_streak, r.longest_streak);
        lastProblem = undefined;
      }
    },
    async close() {
      clearInterval(poller);
      await Promise.all(tailers.map((t) => t.stop()));
    },
  };
}

async function readable(f: string): Promise<boolean> {
  return access(f, constants.R_OK).then(
    () => true,
    () => false,
  );
}
