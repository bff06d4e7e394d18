// Random but reproducible logs for the dashboard tests: every kind, missed slots sharing a block,
// several sources, and recovery rewrites (a record written again with recovered: true).
import { MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES, type MissedBlock } from '../../src/core/model';

export const T0 = 1_700_000_000;

import { prng } from './prng';

export { prng };

export function base(block: number, over: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: T0 + block * 12,
    block_number: block,
    reason: 'NetworkLatency',
    severity: 'Medium',
    expected_timestamp: T0 + block * 12 - 12,
    actual_timestamp: T0 + block * 12,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    ...over,
  };
}

/** `n` lines of a log as a monitor would write them, about a fifth of them rewrites of earlier records. */
export function randomLog(seed: number, n: number): MissedBlock[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const out: MissedBlock[] = [];
  let block = 1000;
  while (out.length < n) {
    if (out.length > 5 && rnd() < 0.2) {
      // A rewrite: an earlier record, now recovered.
      const old = out[Math.floor(rnd() * out.length)];
      const ms = Math.floor(rnd() * 400_000);
      out.push({ ...old, recovered: true, recovery_attempts: old.recovery_attempts + 1, recovery_ms: ms, recovered_at: old.timestamp + Math.floor(ms / 1000) });
      continue;
    }
    block += rnd() < 0.6 ? 1 : 1 + Math.floor(rnd() * 20);
    const kind = pick(['gap', 'delayed', 'missed_slot', 'reorg', undefined] as const);
    const source = pick(['node-a:8545', 'node-b:8545', undefined] as const);
    const r = base(block, {
      reason: pick(MISSED_BLOCK_REASONS),
      severity: pick(MISSED_BLOCK_SEVERITIES),
      ...(kind ? { kind } : {}),
      ...(source ? { source } : {}),
      metadata: { n: out.length },
    });
    if (kind === 'missed_slot') {
      // Several empty slots before one block: same block number, one record per slot.
      const slots = 1 + Math.floor(rnd() * 3);
      for (let j = 0; j < slots; j++) out.push({ ...r, slot: Math.floor((r.expected_timestamp - T0) / 12) + j, expected_timestamp: r.expected_timestamp + j * 12 });
    } else out.push(r);
  }
  return out.slice(0, n);
}
