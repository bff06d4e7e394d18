// What the monitor service needs from a second home for its records (the shared PostgreSQL
// store): no database types here, so the service does not depend on a driver.
import type { MissedBlock } from '../../core/model';
import type { AlertMessage } from '../alerts/message';

export interface RecordSink {
  /** Called by MonitorService.start(); must not wait for the database. `warn` is the service's warning path. */
  start(warn: (message: string) => void): Promise<void>;
  /** Every record the logger writes, in the order it writes them. Never throws, never blocks. */
  write(record: MissedBlock): void;
  /**
   * The newest block the monitor processed (sinks that keep it: PostgreSQL's mbm_heads, what the
   * store's "current streak" is judged by). Noted after the records before it were written.
   */
  noteHead?(head: SinkHead): void;
  /** Every alert message the alert manager queues (sinks that publish alerts: Redis). */
  writeAlert?(msg: AlertMessage): void;
  /** Send what is queued (bounded wait), keep the rest on disk for next time. */
  close(): Promise<void>;
}

/** A monitor's head: its source label, chain id when known, block number (in its records' numbering). */
export interface SinkHead {
  source: string;
  chain_id?: number;
  number: number;
}

/** Several sinks as one (PostgreSQL and Redis both configured); undefined for none. */
export function combineSinks(sinks: readonly (RecordSink | undefined)[]): RecordSink | undefined {
  const all = sinks.filter((s): s is RecordSink => s !== undefined);
  if (all.length <= 1) return all[0];
  return {
    start: async (warn) => void (await Promise.all(all.map((s) => s.start(warn)))),
    write: (r) => all.forEach((s) => s.write(r)),
    writeAlert: (m) => all.forEach((s) => s.writeAlert?.(m)),
    noteHead: (h) => all.forEach((s) => s.noteHead?.(h)),
    close: async () => void (await Promise.all(all.map((s) => s.close()))),
  };
}
