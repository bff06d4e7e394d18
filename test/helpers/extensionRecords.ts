// Records and log entries for the extension's model tests.
import type { MissedBlock } from '../../src/core/model';
import { LogBook, type LogEntry } from '../../src/extension/model/logBook';

export const T0 = 1_700_000_000;

export function rec(block_number: number, over: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: T0 + block_number * 12,
    block_number,
    reason: 'NetworkLatency',
    severity: 'Medium',
    expected_timestamp: T0 + block_number * 12 - 30,
    actual_timestamp: T0 + block_number * 12,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    ...over,
  };
}

/** Entries as the watcher would make them: line n for the n-th record. */
export function entriesOf(file: string, records: MissedBlock[]): LogEntry[] {
  const book = new LogBook();
  records.forEach((r, i) => book.add(file, r, i + 1));
  return book.entries(file);
}
