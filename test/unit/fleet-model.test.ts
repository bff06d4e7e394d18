// The fleet's pure parts: the dashboard model keying records by source (two monitors, same block
// numbers) with streaks found per monitor, and the Fleet tree node's states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardModel } from '../../src/common/dashboard/model';
import { BatchWriter, fleetRecordKey, encodeBatch } from '../../src/common/dashboard/wire';
import type { MissedBlock } from '../../src/core/model';
import { fleetNode } from '../../src/extension/model/fleetModel';

const rec = (source: string, block: number): MissedBlock => ({
  timestamp: 1_700_000_000 + block * 12,
  block_number: block,
  reason: 'Unknown',
  severity: 'Medium',
  expected_timestamp: 1_700_000_000 + block * 12 - 12,
  actual_timestamp: 1_700_000_000 + block * 12,
  recovery_attempts: 0,
  recovered: false,
  metadata: {},
  alert_sent: false,
  kind: 'gap',
  source,
});
const located = (r: MissedBlock) => ({ record: r, file: '', line: undefined });
const clock = { slotSeconds: 12, genesis: 0 };

test('fleet mode keeps two monitors\' records of one block apart and finds streaks per monitor', () => {
  // a: blocks 10–13 (a streak of 4); b: blocks 12–13 and 20 (2 and 1). Mixed, 10–13 would be one run.
  const records = [10, 11, 12, 13].map((n) => rec('a', n)).concat([12, 13, 20].map((n) => rec('b', n)));
  const fleet = new DashboardModel({ clock, bySource: true });
  fleet.apply(encodeBatch(records.map(located)));
  assert.equal(fleet.size, 7);
  const v = fleet.view();
  assert.equal(v.headline.longestStreak, 4);
  const bars = v.streaks.length.map((len, i) => `${v.streaks.source[i]}:${v.streaks.fromBlock[i]}+${len}`).sort();
  assert.deepEqual(bars, ['a:10+4', 'b:12+2', 'b:20+1']);
  assert.equal(fleet.recordAtBlock(12, 'b')?.source, 'b');

  // A single log keys records as every file reader does: block 12 of "b" replaces block 12 of "a".
  const log = new DashboardModel({ clock });
  log.apply(encodeBatch(records.map(located)));
  assert.equal(log.size, 5);
});

test('BatchWriter.put with fleetRecordKey overwrites only the same monitor\'s record', () => {
  const w = new BatchWriter(fleetRecordKey);
  w.put(located(rec('a', 5)));
  w.put(located(rec('b', 5)));
  w.put(located({ ...rec('a', 5), recovered: true }));
  const b = w.finish();
  assert.equal(b.block.length, 2);
  assert.deepEqual([...b.recovered], [1, 0]);
});

test('the Fleet node: restricted, connecting, reachable, and unreachable with the last numbers kept', () => {
  assert.equal(fleetNode('restricted').ariaLabel, 'Fleet: Restricted Mode (not connecting)');
  assert.equal(fleetNode({ status: 'connecting', where: 'h:5432/db' }).ariaLabel, 'Fleet: connecting…');
  const monitor = {
    source: '<b>x</b>',
    chain_id: 1,
    total_missed: 3,
    recovered: 1,
    recovery_rate: 33.33,
    by_severity: { Critical: 0, High: 1, Medium: 2, Low: 0 },
    by_kind: { gap: 3 },
    current_streak: 2,
    longest_streak: 2,
    first_block: 7,
    last_block: 9,
    last_timestamp: 1_700_000_000,
    streaks: [{ from_block: 8, to_block: 9, length: 2, started_at: 1_700_000_000, ended_at: 1_700_000_012, recovered: 1 }],
  };
  const ok = fleetNode({ status: 'ok', where: 'h:5432/db', monitors: [monitor], updatedAt: 0 });
  assert.equal(ok.ariaLabel, 'Fleet: 1 monitor');
  const m = ok.children![0];
  assert.equal(m.ariaLabel, 'Monitor <b>x</b> · chain 1: current 2 · longest 2 · 3 missed');
  assert.deepEqual(m.children!.map((c) => c.ariaLabel), ['Critical: 0', 'High: 1', 'Medium: 2', 'Low: 0', 'Streak #8–#9 · 2 blocks · 12 s, 1 recovered']);
  const down = fleetNode({ status: 'error', where: 'h:5432/db', error: 'connect ECONNREFUSED', monitors: [monitor], updatedAt: 0 });
  assert.equal(down.ariaLabel, 'Fleet: unreachable (connect ECONNREFUSED)');
  assert.equal(down.children?.length, 1, 'the last numbers stay, marked stale in the tooltip');
  assert.match(down.tooltip ?? '', /last successful look/);
});
