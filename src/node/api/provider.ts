// What the HTTP API needs from whatever it serves: a live MonitorService (`mbm watch --listen`) or
// log files alone (`mbm serve`). The server only talks to this, so both faces share every route.
import type { RecordFilter } from '../../core/recordFilter';
import type { MissedBlockMetrics } from './metrics';
import type { MissedBlock } from '../../core/model';
import type { Report } from '../../core/report';
import type { EventLog } from './events';
import type { Expectation } from '../../core/expectations';
import type { JudgeOutcome } from '../expect/judge';

export interface Health {
  /** false → 503: no endpoint answers (live), or a log cannot be read (logs). */
  ok: boolean;
  body: Record<string, unknown>;
}

export interface ApiProvider {
  readonly mode: 'live' | 'logs';
  /**
   * [[chains]]: the chain names. The routes then take `?chain=NAME` and give the result of that
   * chain, or of each chain by name without it; the methods below get the name.
   */
  readonly chains?: readonly string[];
  readonly metrics: MissedBlockMetrics;
  /** New records, recoveries and alerts, for /events. */
  readonly events: EventLog;
  health(chain?: string): Promise<Health>;
  /** The /stats body. */
  stats(chain?: string): Promise<unknown>;
  /** The report of the logs (rotated siblings included); throws LogReadError when one cannot be read. */
  report(chain?: string): Promise<Report>;
  /** The logs /export reads, as `mbm export` would be given them. Resolves once they are current (a live writer flushed). */
  exportFiles(chain?: string): Promise<readonly string[]>;
  /** When set, /export streams these records (already collapsed, in export order) instead of reading exportFiles() (the shared store). */
  exportRecords?(filter: RecordFilter, chain?: string): AsyncGenerator<MissedBlock[]>;
  /** Judge expected transactions with the node and record the missed ones (live monitors only: POST /expect). */
  expect?(expectations: readonly Expectation[], chain?: string): Promise<JudgeOutcome>;
  /** Bring gauges that are computed rather than fed up to date, just before a scrape. */
  refreshMetrics(): Promise<void>;
  /** Stop following the monitor or the files. */
  close(): Promise<void>;
}
