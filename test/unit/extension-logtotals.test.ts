// LogTotals (the log worker's compact store) must give the core report of the records it holds,
// rewrites collapsed: figures pinned from the five lines below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MissedBlock } from '../../src/core/model';
import { LogTotals } from '../../src/extension/worker/logTotals';

const base = { expected_timestamp: 1000, actual_timestamp: 1010, recovery_attempts: 0, metadata: {}, alert_sent: false } as const;
const rec = (o: Partial<MissedBlock> & Pick<MissedBlock, 'block_number' | 'timestamp'>): MissedBlock =>
  ({ reason: 'Timeout', severity: 'High', recovered: false, ...base, ...o }) as MissedBlock;

test('LogTotals: rewrites collapse, a record without kind counts as gap, a missed payload keeps its relay and value', () => {
  const t = new LogTotals();
  t.add(rec({ block_number: 10, timestamp: 1000, kind: 'gap' }));
  t.add(rec({ block_number: 11, timestamp: 1012 }));
  t.add(rec({ block_number: 10, timestamp: 1004, kind: 'gap', recovered: true, severity: 'Low', recovery_ms: 4000 }));
  t.add(rec({ block_number: 12, timestamp: 1024, kind: 'delayed', reason: 'NetworkLatency', severity: 'Medium' }));
  t.add(rec({ block_number: 30, timestamp: 1200, kind: 'payload_missed', reason: 'Unknown', severity: 'Critical', beacon_slot: 77, relay: 'relay.example:443', payload_value_wei: '5000000000000000000' }));
  assert.equal(t.count, 4);
  const r = t.report();
  assert.equal(r.total_missed, 4);
  assert.equal(r.recovered, 1);
  assert.equal(r.recovery_rate, 25);
  assert.equal(r.avg_recovery_ms, 4000);
  assert.deepEqual([r.by_kind.gap, r.by_kind.delayed, r.by_kind.payload_missed], [2, 1, 1]);
  assert.deepEqual([r.by_severity.Low, r.by_severity.High, r.by_severity.Medium, r.by_severity.Critical], [1, 1, 1, 1]);
  // Blocks 10–12 are one run of three; the payload at 30 forms none.
  assert.equal(r.longest_streak, 3);
  assert.deepEqual([r.first_block, r.last_block, r.first_timestamp, r.last_timestamp], [10, 30, 1004, 1200]);
  assert.equal(r.value_lost?.count, 1);
  assert.equal(r.value_lost?.by_relay['relay.example:443']?.count, 1);
  t.clear();
  assert.equal(t.report().total_missed, 0);
});
