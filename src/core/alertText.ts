// The alert text in the relay's format. Channels (console, mail, Slack...) send this string as is,
// so its first six lines match the relay's line for line; the streak line comes last so readers that
// parse the relay's lines keep working.
import type { MissedBlock } from './model';
import { formatEth, formatValueLost, valueLost } from './payloads';

/** `2022-01-01 12:00:00 UTC` from unix seconds. */
export function formatUtc(unixSeconds: number): string {
  return `${new Date(Math.floor(unixSeconds) * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export interface AlertStreak {
  length: number;
  fromBlock: number;
  toBlock: number;
}

export function formatAlertMessage(r: MissedBlock, streak?: AlertStreak): string {
  const lines = [
    `🚨 ALERT: ${r.severity} missed block ${r.block_number} detected!`,
    `Reason: ${r.reason}`,
    `Severity: ${r.severity}`,
    `Expected: ${r.expected_timestamp}`,
    `Actual: ${r.actual_timestamp}`,
    `Time: ${formatUtc(r.timestamp)}`,
  ];
  if (streak && r.kind !== 'payload_missed') lines.push(`Streak: ${streak.length} consecutive missed (blocks ${streak.fromBlock}-${streak.toBlock})`);
  if (r.kind === 'payload_missed') {
    const replaced = typeof r.metadata.replaced_by === 'string' ? `; slot ${r.beacon_slot} has another block, ${r.metadata.replaced_by}` : `; slot ${r.beacon_slot} has no block`;
    lines.push(`Payload: ${formatEth(r.payload_value_wei ?? '0')} delivered by relay ${r.relay ?? 'unknown'} for slot ${r.beacon_slot}${replaced}`);
    lines.push(`Value lost: ${formatValueLost(valueLost([r]))}`);
  } else {
    // Beacon records: whose slot it was (after the relay's own lines, so their parsers keep working).
    if (r.beacon_slot !== undefined) lines.push(`Slot: ${r.beacon_slot}`);
    if (r.proposer_index !== undefined) {
      const watched = r.metadata.proposer_watched === true ? ', watched' : '';
      lines.push(`Proposer: validator ${r.proposer_index}${r.proposer_pubkey ? ` (${r.proposer_pubkey.slice(0, 12)}…${watched})` : watched ? ` (${watched.slice(2)})` : ''}`);
    }
  }
  return lines.join('\n');
}
