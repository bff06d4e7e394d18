// The record the language-server tests write (a High Timeout gap, due 10 s before `ts`); `extra`
// overrides or adds fields (a key of `extra` keeps its place in the JSON text).
import type { MissedBlock } from '../../src/core/model';

export function lspRecord(block: number, ts: number, extra: Partial<MissedBlock> | Record<string, unknown> = {}): MissedBlock {
  return {
    timestamp: ts,
    block_number: block,
    reason: 'Timeout',
    severity: 'High',
    expected_timestamp: ts - 10,
    actual_timestamp: ts,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    kind: 'gap',
    ...extra,
  } as MissedBlock;
}
