// The monitor as a whole: recovery, statistics, streaks and alerts, head lag, listeners, and one
// realistic run through every rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blk, Harness, hashOf, summary, T0, T0_SLOT } from '../helpers/monitorHarness';
import { computeStreaks } from '../../src/core/streaks';
import { schemaErrors } from '../../src/node/log/validate';
import { toLogLine } from '../../src/core/model';

const ts = (n: number) => T0 + (n - 100) * 12;

function withGap(): Harness {
  const h = new Harness();
  h.run(100, 101, T0);
  h.monitor.noteTransportError('ConnectionLost');
  h.feed(blk(105, ts(105)));
  return h;
}

test('markRecovered: record rewritten recovered with Low severity; stats count it once', () => {
  const h = withGap();
  assert.deepEqual(h.monitor.pending().map((r) => r.block_number), [102, 103, 104]);
  h.events.length = 0;
  const r = h.monitor.markRecovered('102:gap', { recoveredAt: T0 + 70, recoveryMs: 1000, attempts: 1, block_hash: hashOf('a', 102) });
  assert.equal(r!.recovered, true);
  assert.equal(r!.severity, 'Low');
  assert.equal(r!.recovered_at, T0 + 70);
  assert.equal(r!.recovery_ms, 1000);
  assert.equal(r!.recovery_attempts, 1);
  assert.equal(r!.block_hash, hashOf('a', 102));
  assert.deepEqual(h.events.map((e) => `${e.change} ${e.r.block_number} ${e.r.severity}`), ['updated 102 Low']);
  assert.equal(h.monitor.markRecovered('102:gap', { recoveredAt: T0 + 80, recoveryMs: 9999, attempts: 2 })!.recovery_ms, 1000, 'idempotent');
  h.monitor.markRecovered('103:gap', { recoveredAt: T0 + 71, recoveryMs: 3000, attempts: 2 });

  const s = h.monitor.getStats();
  assert.equal(s.recovered, 2);
  assert.equal(s.total_missed, 3);
  assert.equal(s.avg_recovery_ms, 2000);
  assert.equal(s.recovery_rate, (2 / 3) * 100);
  assert.equal(s.getRecoveryRate(), s.recovery_rate);
  assert.equal(h.monitor.getRecoveryRate(), s.recovery_rate);
  assert.deepEqual(h.monitor.pending().map((r) => r.block_number), [104]);
  assert.deepEqual({ Low: s.by_severity.Low, Medium: s.by_severity.Medium }, { Low: 2, Medium: 1 });
  assert.equal(h.monitor.markRecovered('999:gap', { recoveredAt: 0, recoveryMs: 0, attempts: 0 }), null);
});

test('markRecoveryFailed: High, the new reason replaces the detected one (kept in metadata), no longer pending', () => {
  const h = withGap();
  const r = h.monitor.markRecoveryFailed('104:gap', { attempts: 3, reason: 'InvalidBlock' })!;
  assert.equal(r.severity, 'High');
  assert.equal(r.reason, 'InvalidBlock');
  assert.equal(r.recovery_attempts, 3);
  assert.equal(r.metadata.detected_reason, 'ConnectionLost');
  assert.equal(r.metadata.recovery_failed, true);
  const s = h.monitor.getStats();
  assert.equal(s.by_reason.ConnectionLost, 2);
  assert.equal(s.by_reason.InvalidBlock, 1);
  assert.equal(s.by_severity.High, 1);
  assert.deepEqual(h.monitor.pending().map((x) => x.block_number), [102, 103]);
  assert.equal(s.recovered, 0);
});

test('stats: processed, missed rate, head, last arrival; JSON carries data only', () => {
  const h = withGap();
  const s = h.monitor.getStats();
  assert.equal(s.blocks_processed, 3);
  assert.equal(s.missed_rate, (3 / 6) * 100);
  assert.deepEqual(s.head, { number: 105, hash: hashOf('a', 105), timestamp: ts(105) });
  assert.equal(s.last_block_at, ts(105) + 1);
  assert.deepEqual(s.by_kind, { gap: 3, delayed: 0, missed_slot: 0, reorg: 0, payload_missed: 0 });
  assert.equal(s.by_reason.ConnectionLost, 3);
  assert.ok(!('getRecoveryRate' in JSON.parse(JSON.stringify(s))));
  const empty = new Harness().monitor.getStats();
  assert.deepEqual([empty.total_missed, empty.missed_rate, empty.recovery_rate, empty.avg_recovery_ms, empty.current_streak], [0, 0, 0, 0, 0]);
});

test('alerts: a streak of alert_threshold makes every record of it Critical and an alert in the seed format', () => {
  const four = new Harness();
  four.run(100, 100, T0);
  four.feed(blk(105, ts(105)));
  assert.equal(four.monitor.getStats().current_streak, 4);
  assert.equal(four.monitor.shouldAlert(), false);
  assert.equal(four.monitor.getAlertMessage(), undefined);
  assert.ok([...four.latest.values()].every((r) => r.severity === 'Medium'));

  const h = new Harness();
  h.run(100, 100, T0);
  const out = h.feed(blk(106, ts(106)), 1_700_000_100);
  assert.deepEqual(summary(out), [101, 102, 103, 104, 105].map((n) => `${n} gap Unknown Critical`));
  assert.ok(out.every((r) => r.streak === 5));
  assert.equal(h.monitor.shouldAlert(), true);
  assert.equal(
    h.monitor.getAlertMessage(),
    [
      '🚨 ALERT: Critical missed block 105 detected!',
      'Reason: Unknown',
      'Severity: Critical',
      `Expected: ${ts(105)}`,
      'Actual: 1700000100',
      'Time: 2023-11-14 22:15:00 UTC',
      'Streak: 5 consecutive missed (blocks 101-105)',
    ].join('\n'),
  );
  // Once the chain moves past the streak it is no longer current; it stays the longest.
  h.feed(blk(107, ts(107)));
  assert.equal(h.monitor.shouldAlert(), false);
  assert.equal(h.monitor.getAlertMessage(), undefined);
  assert.deepEqual([h.monitor.getStats().current_streak, h.monitor.getStats().longest_streak], [0, 5]);
});

test('recovering a block inside a Critical streak keeps it Critical', () => {
  const h = new Harness();
  h.run(100, 100, T0);
  h.feed(blk(106, ts(106)));
  assert.equal(h.monitor.markRecovered('103:gap', { recoveredAt: T0, recoveryMs: 5, attempts: 1 })!.severity, 'Critical');
});

test('head lag above the threshold: one delayed NodeUnresponsive record per lag episode', () => {
  const h = new Harness();
  h.run(100, 100, T0);
  assert.equal(h.monitor.noteHeadLag('backup', 3, 200), null, 'at the threshold is fine');
  const r = h.monitor.noteHeadLag('backup', 5, 200)!;
  assert.deepEqual(summary([r]), ['196 delayed NodeUnresponsive Medium']);
  assert.equal(r.source, 'backup');
  assert.equal(r.metadata.lag_blocks, 5);
  assert.equal(r.metadata.best_head, 200);
  assert.equal(h.monitor.noteHeadLag('backup', 8, 203), null, 'same episode');
  assert.equal(h.monitor.noteHeadLag('backup', 1, 204), null, 'episode over');
  assert.equal(h.monitor.noteHeadLag('backup', 4, 210)!.block_number, 207);
  // Another endpoint lagging at the same number: one event per (block_number, kind), so the held
  // record is rewritten with the latest endpoint's numbers rather than a second one made.
  const other = h.monitor.noteHeadLag('other', 4, 210)!;
  assert.equal(other.block_number, 207);
  assert.equal(other.metadata.endpoint, 'other');
  assert.equal(h.monitor.getStats().by_reason.NodeUnresponsive, 2);
});

test('headLagThreshold option', () => {
  const h = new Harness({}, { headLagThreshold: 10 });
  assert.equal(h.monitor.noteHeadLag('x', 10, 100), null);
  assert.notEqual(h.monitor.noteHeadLag('x', 11, 100), null);
});

test('listeners get copies; unsubscribing stops them; a throwing listener does not break the monitor', () => {
  const errors: unknown[] = [];
  const h = new Harness({}, { onListenerError: (e) => errors.push(e) });
  let seenByOther = 0;
  h.monitor.onRecord(() => {
    throw new Error('boom');
  });
  const off = h.monitor.onRecord(() => seenByOther++);
  h.run(100, 100, T0);
  const out = h.feed(blk(102, ts(102)));
  assert.equal(seenByOther, 1);
  assert.equal(errors.length, 1);
  out[0].severity = 'Critical';
  h.events[0].r.reason = 'Timeout';
  assert.equal(h.monitor.pending()[0].severity, 'Medium');
  assert.equal(h.monitor.pending()[0].reason, 'Unknown');
  off();
  h.feed(blk(104, ts(104)));
  assert.equal(seenByOther, 1);
  assert.equal(h.monitor.getStats().total_missed, 2);
});

test('bad blocks are refused loudly', () => {
  const h = new Harness();
  assert.throws(() => h.monitor.processBlock({ ...blk(1, T0), number: -1 }), RangeError);
  assert.throws(() => h.monitor.processBlock({ ...blk(1, T0), number: 1.5 }), RangeError);
  assert.throws(() => h.monitor.processBlock({ ...blk(1, T0), timestamp: NaN }), RangeError);
});

test('a realistic run through every rule: counts, severities, streaks agree with computeStreaks, lines pass the schema', () => {
  const h = new Harness();
  h.run(100, 104, T0);
  // 105 reaches us 35 s after its timestamp.
  assert.deepEqual(summary(h.feed(blk(105, ts(105)), ts(105) + 35)), ['105 delayed NetworkLatency Medium']);
  // The socket drops; on reconnect the head is 108.
  h.monitor.noteTransportError('ConnectionLost');
  assert.deepEqual(summary(h.feed(blk(108, ts(108)))), ['106 gap ConnectionLost Medium', '107 gap ConnectionLost Medium']);
  // 109 comes two slots after 108: one empty slot.
  const slot = h.feed(blk(109, ts(108) + 24));
  assert.deepEqual(summary(slot), ['109 missed_slot Unknown High']);
  assert.equal(slot[0].slot, T0_SLOT + 9);
  // 109 is replaced by a sibling.
  assert.deepEqual(summary(h.feed(blk(109, ts(108) + 24, 'b', 'a'), ts(108) + 26)), ['109 reorg ChainReorg Medium']);
  // Nothing for a while: a stall, closed when 110 arrives.
  assert.deepEqual(summary(h.tickEach(ts(108) + 27, ts(108) + 60)), ['110 delayed NetworkLatency Medium']);
  assert.deepEqual(h.feed(blk(110, ts(108) + 36, 'b'), ts(108) + 61), []);
  assert.equal(h.latest.get('110:delayed')!.actual_timestamp, ts(108) + 61);
  // A backup endpoint lags behind.
  assert.deepEqual(summary([h.monitor.noteHeadLag('backup', 5, 110)!]), ['106 delayed NodeUnresponsive Medium']);
  // Recovery fetches 106; 107 never verifies.
  h.monitor.markRecovered('106:gap', { recoveredAt: ts(108) + 70, recoveryMs: 4000, attempts: 2 });
  h.monitor.markRecoveryFailed('107:gap', { attempts: 3 });

  const s = h.monitor.getStats();
  assert.equal(s.blocks_processed, 10);
  assert.equal(s.total_missed, 7);
  assert.equal(h.latest.size, 7, 'one log key per event');
  assert.deepEqual(s.by_kind, { gap: 2, delayed: 3, missed_slot: 1, reorg: 1, payload_missed: 0 });
  assert.deepEqual(s.by_severity, { Low: 1, Medium: 4, High: 2, Critical: 0 });
  assert.deepEqual(
    Object.fromEntries(Object.entries(s.by_reason).filter(([, v]) => v > 0)),
    { NetworkLatency: 2, ConnectionLost: 2, Unknown: 1, ChainReorg: 1, NodeUnresponsive: 1 },
  );
  assert.equal(s.recovered, 1);
  assert.equal(s.recovery_rate, (1 / 7) * 100);
  assert.equal(s.missed_rate, (7 / 17) * 100);
  assert.deepEqual(s.head, { number: 110, hash: hashOf('b', 110), timestamp: ts(108) + 36 });

  // The monitor's streaks are computeStreaks over what a log reader would hold.
  const fromLog = computeStreaks([...h.latest.values()], { headBlock: 110 });
  assert.deepEqual([s.current_streak, s.longest_streak], [fromLog.current, fromLog.longest]);
  assert.deepEqual([s.current_streak, s.longest_streak], [3, 4]);
  assert.equal(h.monitor.shouldAlert(), false);

  for (const r of h.latest.values()) assert.deepEqual(schemaErrors(JSON.parse(toLogLine(r))), [], toLogLine(r));
});

test('memory is bounded: old records leave the window; gap records waiting for recovery stay while recovery is on', () => {
  const make = (enableRecovery: boolean) => {
    const h = new Harness({ enableRecovery }, { recordWindow: 10, maxGapRecords: 10 });
    h.run(100, 100, T0);
    // 30 single-block gaps: 101, 103, 105, …
    for (let i = 0; i < 30; i++) h.feed(blk(102 + 2 * i, ts(102 + 2 * i)));
    return h;
  };
  const off = make(false);
  assert.equal(off.monitor.markRecovered('101:gap', { recoveredAt: T0, recoveryMs: 1, attempts: 1 }), null, 'evicted');
  assert.notEqual(off.monitor.markRecovered('159:gap', { recoveredAt: T0, recoveryMs: 1, attempts: 1 }), null);
  assert.equal(off.monitor.getStats().total_missed, 30, 'counters remember what the window forgot');

  const on = make(true);
  assert.equal(on.monitor.pending().length, 20, 'capped at 2 × maxGapRecords');
  assert.equal(on.monitor.pending()[0].block_number, 121, 'the oldest waiting ones were let go');
  assert.notEqual(on.monitor.markRecovered('121:gap', { recoveredAt: T0, recoveryMs: 1, attempts: 1 }), null);
});

test('after a restart from an old checkpoint the timer does not flood: one stall, slots counted from now', () => {
  const h = new Harness();
  h.monitor.seed({ number: 500, hash: hashOf('a', 500), timestamp: T0 - 3 * 86_400 });
  assert.deepEqual(h.monitor.lastProcessed(), { number: 500, hash: hashOf('a', 500), timestamp: T0 - 3 * 86_400 });
  assert.deepEqual(h.monitor.blockAt(500)!.hash, hashOf('a', 500));
  assert.deepEqual(h.tickEach(T0 + 1, T0 + 30), []);
  assert.deepEqual(summary(h.tickEach(T0 + 31, T0 + 41)), ['501 delayed NetworkLatency Medium']);
  assert.equal(h.monitor.getStats().blocks_processed, 0);
});
