// The one severity mapping. The monitor calls it whenever a record is made or changes (recovered,
// recovery failed, reorg found deeper, streak grew), so a record's severity is always a function of
// what we know about it — never set by hand somewhere else.
//
// | kind        | condition                                             | severity |
// |-------------|-------------------------------------------------------|----------|
// | delayed     | late arrival / no new head (NetworkLatency or the     | Medium   |
// |             | transport error noted), head lag (NodeUnresponsive)   |          |
// | gap         | detected, recovery not settled yet                    | Medium   |
// | gap         | recovered                                             | Low      |
// | gap         | not recovered after retries (incl. InvalidBlock)      | High     |
// | missed_slot | —                                                     | High     |
// | reorg       | depth 1                                               | Medium   |
// | reorg       | depth ≥ 2                                             | High     |
// | payload_missed | value > [relay] critical_value_eth → Critical, else High (payloads.ts) |
// | tx_missed   | an expected transaction is not in its target block    | High     |
// | any         | inside a streak of length ≥ alert_threshold           | Critical |
//
// The streak rule wins over everything, including recovery: an outage long enough to alert on
// stays Critical in the log even when its blocks were fetched afterwards (the real-time
// opportunity was still lost). Streaks only grow while a record is held, so Critical never
// reverts.
import type { MissedBlockKind, MissedBlockSeverity } from './model';

export interface SeverityFacts {
  kind: MissedBlockKind;
  recovered?: boolean;
  /** Recovery gave up (retries exhausted, or the refetched block failed verification). */
  recoveryFailed?: boolean;
  reorgDepth?: number;
  /** Length of the streak (computeStreaks) the record belongs to, when known. */
  streak?: number;
}

export function severityFor(f: SeverityFacts, alertThreshold: number): MissedBlockSeverity {
  if (f.streak !== undefined && f.streak >= alertThreshold) return 'Critical';
  switch (f.kind) {
    case 'delayed':
      return 'Medium';
    case 'gap':
      if (f.recovered) return 'Low';
      return f.recoveryFailed ? 'High' : 'Medium';
    case 'missed_slot':
      return 'High';
    case 'reorg':
      return (f.reorgDepth ?? 1) >= 2 ? 'High' : 'Medium';
    case 'payload_missed':
      // The relay path sets these by value (payloads.ts payloadSeverity); this is its floor.
      return 'High';
    case 'tx_missed':
      return 'High';
  }
}
