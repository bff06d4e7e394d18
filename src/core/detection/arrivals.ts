// Delayed records about arrivals: a block that came long after its own timestamp, and an endpoint
// whose head lags the best one's. Both close or refine a delayed record already held for the same
// number (a stall) rather than writing a second one. Pure: records are held in the RecordBook.
import type { BlockInfo, MissedBlock } from '../model';
import type { RecordBook } from './recordBook';
import type { Draft } from './rules';

/**
 * A block arrived: close a delayed record waiting for it (stall, head lag) with its arrival time,
 * or make one (`lateDraft`) when it arrived more than max_block_delay after its own timestamp.
 */
export function blockArrived(
  book: RecordBook,
  b: BlockInfo,
  arrival: number,
  live: boolean,
  maxBlockDelayMs: number,
  addLate: (delayMs: number) => void,
): void {
  const delayMs = Math.round((arrival - b.timestamp) * 1000);
  const late = live && delayMs > maxBlockDelayMs;
  const waiting = book.store.get(`${b.number}:delayed`);
  if (waiting && waiting.metadata.arrived_at === undefined) {
    book.update(waiting, (x) => {
      x.actual_timestamp = Math.floor(arrival);
      x.block_hash = b.hash;
      x.metadata.arrived_at = Math.floor(arrival);
      if (late) x.metadata.arrival_delay_ms = delayMs;
    });
  } else if (late && !waiting) {
    addLate(delayMs);
  }
}

/**
 * An endpoint lags: block `n` (the first it lacks) is late. A delayed record already held for `n`
 * (a stall) takes the lag as its more precise reason; otherwise `add(draft())` makes the record.
 * Returns the record (held, not a copy).
 */
export function headLagged(
  book: RecordBook,
  n: number,
  meta: Record<string, unknown>,
  draft: () => Draft,
  add: (d: Draft) => MissedBlock | undefined,
): MissedBlock | undefined {
  const r = book.store.get(`${n}:delayed`);
  if (!r) return add(draft());
  book.update(r, (x) => {
    x.metadata.detected_reason = x.reason;
    x.reason = 'NodeUnresponsive';
    Object.assign(x.metadata, meta);
  });
  return r;
}
