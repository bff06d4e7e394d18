// Records and writer options the log tests (writer, rotation, torn lines) and their child writer
// processes (write-*.ts) build their logs from. No node:test import: the child scripts use it too.
import type { JsonlWriterOptions } from '../../src/node/log/writer';
import type { MissedBlock } from '../../src/core/model';

/** Fields a log test varies; the rest is fixed: timestamp and expected time 1_700_000_000 + n, not alerted. */
export type RecordShape = Pick<MissedBlock, 'reason' | 'severity' | 'recovery_attempts' | 'recovered' | 'metadata'> &
  Partial<Pick<MissedBlock, 'kind'>> & {
    /** actual_timestamp − expected_timestamp (s). */
    lateSec: number;
  };

/** Record number `n` of a test log. */
export function logRecord(n: number, s: RecordShape): MissedBlock {
  return {
    timestamp: 1_700_000_000 + n,
    block_number: n,
    reason: s.reason,
    severity: s.severity,
    expected_timestamp: 1_700_000_000 + n,
    actual_timestamp: 1_700_000_000 + s.lateSec + n,
    recovery_attempts: s.recovery_attempts,
    recovered: s.recovered,
    metadata: s.metadata,
    alert_sent: false,
    ...(s.kind ? { kind: s.kind } : {}),
  };
}

/** A writer that writes each record at once, no fsync, no rotation or retention unless `over` says so. */
export function unbatchedWriterOptions(file: string, over: Partial<JsonlWriterOptions> = {}): JsonlWriterOptions {
  return { path: file, rotationSize: 0, retentionDays: 0, batchLogging: false, batchSize: 1, batchTimeoutMs: 0, fsync: false, ...over };
}
