// What the monitor service needs from a second home for its records (the shared PostgreSQL
// store): no database types here, so the service does not depend on a driver.
import type { MissedBlock } from '../../core/model';

export interface RecordSink {
  /** Called by MonitorService.start(); must not wait for the database. `warn` is the service's warning path. */
  start(warn: (message: string) => void): Promise<void>;
  /** Every record the logger writes, in the order it writes them. Never throws, never blocks. */
  write(record: MissedBlock): void;
  /** Send what is queued (bounded wait), keep the rest on disk for next time. */
  close(): Promise<void>;
}
