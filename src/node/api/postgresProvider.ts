// The API over the shared PostgreSQL store (`mbm serve --from-postgres URL`): every monitor that
// writes to it, optionally narrowed to some sources / chains. /report and /stats come from the
// SQL aggregates (cheap however many records), /export streams the store in export order, and
// /events and the counters follow rows as monitors upsert them (polled by write order).
//
// Events and counters start at the rows present when serving starts, unless there are few
// (≤ historyLimit), which are fed first like `mbm serve` feeds a log's backlog. Polls look back a
// few statements (storeChangesSince), so a row whose transaction committed late is still seen,
// and is announced once.
import { Pool } from 'pg';
import { compileFilter, isEmptyFilter, type RecordFilter } from '../../core/recordFilter';
import { LogReadError } from '../log/reader';
import { feedFromLogRecord, MissedBlockMetrics, type MetricsOptions } from './metrics';
import { toLogLine, type MissedBlock } from '../../core/model';
import type { Report } from '../../core/report';
import { LOOKBACK_STATEMENTS, storeChangesSince } from '../store/changes';
import { connectStore, describePgError, describePostgresUrl } from '../store/connect';
import { MAX_STATEMENT_ROWS } from '../store/rows';
import { fleetSummary } from '../store/fleet';
import { storeCount, storeRecordBatches, storeReport, type StoreFilter } from '../store/store';
import { EventLog } from './events';
import { statsFromReport } from './logsProvider';
import type { ApiProvider, Health } from './provider';

export interface PostgresProviderOptions {
  url: string;
  /** Only these monitors (source labels / chain ids). */
  filter?: StoreFilter;
  metrics?: MetricsOptions;
  eventRing?: number;
  /** How often new rows are looked for. Default 1 s. */
  pollMs?: number;
  /** Feed at most this many existing records to the counters at start. Default 100 000. */
  historyLimit?: number;
  onWarning?(message: string): void;
}

export async function startPostgresProvider(o: PostgresProviderOptions): Promise<ApiProvider> {
  const where = describePostgresUrl(o.url);
  const filter = o.filter ?? {};
  // Migrate once (a fresh database serves an empty store rather than failing).
  const first = await connectStore(o.url, { applicationName: 'mbm-serve' }).catch((err: unknown) => {
    throw new LogReadError(`postgres ${where}`, new Error(describePgError(err)));
  });
  await first.end();
  const pool = new Pool({ connectionString: o.url, max: 4, connectionTimeoutMillis: 5_000, application_name: 'mbm-serve' });
  pool.on('error', () => undefined); // an idle client's connection died: the next query reconnects
  const unavailable = (err: unknown) => new LogReadError(`postgres ${where}`, new Error(describePgError(err)));
  const metrics = new MissedBlockMetrics({ ...o.metrics, live: false });
  const events = new EventLog(o.eventRing);

  const onRecord = (r: MissedBlock, live: boolean) => {
    const s = feedFromLogRecord(metrics, r);
    if (!live) return;
    events.push(s.first ? 'record' : s.recoveredNow ? 'recovered' : 'updated', toLogLine(r));
    if (s.alertedNow) events.push('alert', toLogLine(r));
  };

  const max = await pool.query(`SELECT coalesce(max(write_seq), -1)::text AS s FROM mbm_records`).catch((e: unknown) => {
    throw unavailable(e);
  });
  let lastSeq = BigInt(max.rows[0].s as string);
  /** Rows announced within the lookback window (a re-read is not news). */
  const seen = new Set<bigint>();
  const window = BigInt(LOOKBACK_STATEMENTS * MAX_STATEMENT_ROWS);
  // What is there now is not news, including what the first poll's lookback re-reads.
  const recent = await pool.query('SELECT write_seq::text AS s FROM mbm_records WHERE write_seq > $1::bigint', [(lastSeq - window).toString()]);
  for (const r of recent.rows) seen.add(BigInt(r.s as string));
  if ((await storeCount(pool, filter)) <= (o.historyLimit ?? 100_000)) {
    for await (const batch of storeRecordBatches(pool, filter)) for (const r of batch) onRecord(r, false);
  } else {
    o.onWarning?.(`the store holds more than ${o.historyLimit ?? 100_000} records: counters count from now on (/report and /stats cover everything)`);
  }

  let polling = false;
  let lastProblem: string | undefined;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      for (let page = 0; page < 100; page++) {
        const ch = await storeChangesSince(pool, lastSeq, filter, 1000, page === 0);
        ch.records.forEach((r, i) => {
          if (seen.has(ch.seqs[i])) return;
          seen.add(ch.seqs[i]);
          onRecord(r, true);
        });
        for (const b of ch.bad) o.onWarning?.(`postgres ${where}: ${b}`);
        lastSeq = ch.lastSeq;
        for (const q of seen) if (q <= lastSeq - window) seen.delete(q);
        if (!ch.more) break;
      }
      lastProblem = undefined;
    } catch (err) {
      const m = `postgres ${where}: ${describePgError(err)}`;
      if (m !== lastProblem) o.onWarning?.(m);
      lastProblem = m;
    } finally {
      polling = false;
    }
  };
  const poller = setInterval(() => void poll(), o.pollMs ?? 1_000);
  poller.unref();

  const report = (): Promise<Report> => storeReport(pool, filter).catch((e: unknown) => Promise.reject(unavailable(e)));

  return {
    mode: 'logs',
    metrics,
    events,
    async health(): Promise<Health> {
      try {
        await pool.query('SELECT 1');
        return { ok: true, body: { status: 'ok', mode: 'postgres', store: where } };
      } catch (err) {
        return { ok: false, body: { status: 'unreachable', mode: 'postgres', store: where, error: describePgError(err) } };
      }
    },
    async stats() {
      const r = await report();
      const sources = await fleetSummary(pool, filter).catch((e: unknown) => Promise.reject(unavailable(e)));
      return { ...statsFromReport(r, []), mode: 'postgres', store: where, files: undefined, sources };
    },
    report,
    async exportFiles() {
      return [];
    },
    exportRecords(f: RecordFilter) {
      return exportFrom(pool, filter, f, unavailable);
    },
    async refreshMetrics() {
      const r = await report().catch((e: Error) => {
        if (e.message !== lastProblem) o.onWarning?.(e.message);
        lastProblem = e.message;
      });
      if (r) metrics.setStreaks(r.current_streak, r.longest_streak);
    },
    async close() {
      clearInterval(poller);
      while (polling) await new Promise((r) => setTimeout(r, 10));
      await pool.end().catch(() => undefined);
    },
  };
}

/** The served monitors narrowed further by the request's filter. */
async function* exportFrom(pool: Pool, served: StoreFilter, f: RecordFilter, unavailable: (e: unknown) => Error): AsyncGenerator<MissedBlock[]> {
  const source = f.source ? (served.source ? f.source.filter((s) => served.source!.includes(s)) : f.source) : served.source;
  if (source && source.length === 0) return;
  const keep = isEmptyFilter(f) ? undefined : compileFilter(f);
  try {
    for await (const b of storeRecordBatches(pool, { ...served, ...(source ? { source } : {}) }, { from: f.from, to: f.to })) {
      const out = keep ? b.filter(keep) : b;
      if (out.length) yield out;
    }
  } catch (err) {
    throw err instanceof LogReadError ? err : unavailable(err);
  }
}
