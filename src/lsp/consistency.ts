// Records that are valid by the schema but whose times contradict each other. Warnings, not errors:
// `mbm validate` accepts these lines. Only contradictions that mean a real defect are flagged.
//
// Two clocks write a record: `timestamp`, `actual_timestamp` and `recovered_at` come from the
// writer's wall clock (detection, arrival, recovery), `expected_timestamp` from the chain's block
// timestamps. The two clocks legitimately differ by seconds or more (a node mining ahead of real
// time, a skipped slot stamping the next block slots ahead, NTP drift), so comparing them second by
// second would flag the monitor's own logs. The rules (all times unix seconds):
// - recovered_at < timestamp (one clock): recovered before it was detected — a defect of the writer;
// - timestamp or actual_timestamp more than a day (CLOCK_TOLERANCE_S) before expected_timestamp:
//   no clock drifts that far; a field is in the wrong unit (milliseconds) or zone.
// timestamp or actual_timestamp after expected_timestamp is never flagged (late detection,
// backfill of old blocks, a record updated with the block's later arrival).
import type { MissedBlock } from '../core/model';

/** How far the writer's clock may be behind the chain's before a record is called inconsistent. */
export const CLOCK_TOLERANCE_S = 86_400;

export interface TimestampProblem {
  /** The top-level field whose value the warning underlines. */
  field: 'actual_timestamp' | 'timestamp' | 'recovered_at';
  message: string;
}

export function timestampProblems(r: MissedBlock): TimestampProblem[] {
  const out: TimestampProblem[] = [];
  for (const field of ['actual_timestamp', 'timestamp'] as const) {
    const early = r.expected_timestamp - r[field];
    if (early > CLOCK_TOLERANCE_S) {
      out.push({
        field,
        message: `${field} is ${early} s before expected_timestamp: more than a day between the writer's clock and the chain's, so one of them is in the wrong unit or zone`,
      });
    }
  }
  if (r.recovered_at !== undefined && r.recovered_at < r.timestamp) {
    out.push({
      field: 'recovered_at',
      message: `recovered_at is ${r.timestamp - r.recovered_at} s before timestamp: recovered before it was detected`,
    });
  }
  return out;
}
