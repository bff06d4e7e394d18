// Records that are valid by the schema but whose times contradict each other. Warnings, not errors:
// `mbm validate` accepts these lines, and a skewed clock on the writer's machine can produce them.
//
// The rules (all times unix seconds):
// - actual_timestamp < expected_timestamp: a block cannot arrive, nor be found missing, before it
//   was due (for a delayed record this is a negative delay);
// - timestamp < expected_timestamp: the record was written before the block was due, so nothing
//   could have been missed yet;
// - recovered_at < timestamp: recovered before it was detected.
// actual_timestamp > timestamp is NOT flagged: a record made when a head stalled is updated with the
// block's real arrival time later.
import type { MissedBlock } from '../core/model';

export interface TimestampProblem {
  /** The top-level field whose value the warning underlines. */
  field: 'actual_timestamp' | 'timestamp' | 'recovered_at';
  message: string;
}

export function timestampProblems(r: MissedBlock): TimestampProblem[] {
  const out: TimestampProblem[] = [];
  if (r.actual_timestamp < r.expected_timestamp) {
    const what = r.kind === 'delayed' ? 'a delayed block cannot arrive early' : 'a block cannot arrive, nor be missed, before it is due';
    out.push({
      field: 'actual_timestamp',
      message: `actual_timestamp is ${r.expected_timestamp - r.actual_timestamp} s before expected_timestamp: ${what}`,
    });
  }
  if (r.timestamp < r.expected_timestamp) {
    out.push({
      field: 'timestamp',
      message: `timestamp is ${r.expected_timestamp - r.timestamp} s before expected_timestamp: the record was written before the block was due`,
    });
  }
  if (r.recovered_at !== undefined && r.recovered_at < r.timestamp) {
    out.push({
      field: 'recovered_at',
      message: `recovered_at is ${r.timestamp - r.recovered_at} s before timestamp: recovered before it was detected`,
    });
  }
  return out;
}
