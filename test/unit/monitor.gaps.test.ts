// Gaps, late arrivals and stalls (the README classification table, rows 1–3, 6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blk, Harness, summary, T0 } from '../helpers/monitorHarness';
import { schemaErrors } from '../../src/node/log/validate';
import { toLogLine } from '../../src/core/model';

test('a skipped range gives one gap record per skipped number, reason from the last transport error', () => {
  const h = new Harness();
  h.run(100, 101, T0);
  h.monitor.noteTransportError('Timeout');
  h.monitor.noteTransportError('ConnectionLost'); // the last one counts
  const out = h.feed(blk(105, T0 + 60), T0 + 61);
  assert.deepEqual(summary(out), ['102 gap ConnectionLost Medium', '103 gap ConnectionLost Medium', '104 gap ConnectionLost Medium']);
  assert.deepEqual(out.map((r) => r.expected_timestamp), [T0 + 24, T0 + 36, T0 + 48]);
  for (const r of out) {
    assert.equal(r.timestamp, T0 + 61);
    assert.equal(r.actual_timestamp, T0 + 61);
    assert.equal(r.source, 'test');
    assert.equal(r.recovered, false);
    assert.equal(r.metadata.previous_head, 101);
    assert.equal(r.metadata.gap_size, 3);
    assert.equal(r.metadata.slots_unaccounted, undefined); // 4 slots for 4 blocks
    assert.deepEqual(schemaErrors(JSON.parse(toLogLine(r))), []);
  }
  assert.deepEqual(h.monitor.lastProcessed(), { number: 105, hash: blk(105, 0).hash, timestamp: T0 + 60 });
});

test('the transport error is forgotten once a block arrives: the next gap is Unknown', () => {
  const h = new Harness();
  h.run(100, 100, T0);
  h.monitor.noteTransportError('RateLimitExceeded');
  h.feed(blk(101, T0 + 12));
  const out = h.feed(blk(103, T0 + 36));
  assert.deepEqual(summary(out), ['102 gap Unknown Medium']);
});

test('a gap whose time span holds more slots than blocks says so in metadata, without guessing slots', () => {
  const h = new Harness();
  h.run(100, 100, T0);
  const out = h.feed(blk(103, T0 + 60)); // 5 slots, 3 blocks → 2 empty slots somewhere
  assert.deepEqual(summary(out), ['101 gap Unknown Medium', '102 gap Unknown Medium']);
  assert.equal(out[0].metadata.slots_unaccounted, 2);
  assert.equal(out.filter((r) => r.kind === 'missed_slot').length, 0);
});

test('a gap of a million blocks makes at most maxGapRecords records, the most recent ones, and says so', () => {
  const h = new Harness({}, { maxGapRecords: 1000 });
  h.run(100, 100, T0);
  const out = h.feed(blk(1_000_101, T0 + 12_000_012));
  assert.equal(out.length, 1000);
  assert.equal(out[0].block_number, 999_101);
  assert.equal(out.at(-1)!.block_number, 1_000_100);
  assert.ok(out.every((r) => r.severity === 'Critical'), 'a streak of 1000 ≥ alert_threshold');
  assert.deepEqual(
    { from: out[0].metadata.gap_from, to: out[0].metadata.gap_to, size: out[0].metadata.gap_size, omitted: out[0].metadata.gap_omitted, truncated: out[0].metadata.gap_truncated },
    { from: 101, to: 1_000_100, size: 1_000_000, omitted: 999_000, truncated: true },
  );
  const stats = h.monitor.getStats();
  assert.equal(stats.gap_blocks_omitted, 999_000);
  assert.equal(stats.total_missed, 1000);
  assert.equal(stats.pending, 1000);
  // A second huge gap: what is waiting for recovery stays capped (2 × maxGapRecords).
  h.feed(blk(3_000_000, T0 + 36_000_000));
  assert.equal(h.monitor.pending().length, 2000);
});

test('default cap: a monitor down for weeks (>10 000 blocks) gets 10 000 gap records, quickly', () => {
  const h = new Harness();
  h.run(100, 100, T0);
  const started = performance.now();
  const out = h.feed(blk(250_101, T0 + 3_000_012));
  assert.equal(out.length, 10_000);
  assert.equal(out[0].metadata.gap_omitted, 240_000);
  assert.ok(performance.now() - started < 2000, 'bounded work');
});

test('a block arriving more than max_block_delay after its timestamp is delayed / NetworkLatency', () => {
  const h = new Harness();
  h.run(100, 100, T0);
  assert.deepEqual(h.feed(blk(101, T0 + 12), T0 + 12 + 30), [], 'exactly the limit is not late');
  const out = h.feed(blk(102, T0 + 24), T0 + 24 + 31);
  assert.deepEqual(summary(out), ['102 delayed NetworkLatency Medium']);
  assert.equal(out[0].expected_timestamp, T0 + 24);
  assert.equal(out[0].actual_timestamp, T0 + 55);
  assert.equal(out[0].block_hash, blk(102, 0).hash);
  assert.equal(out[0].metadata.arrival_delay_ms, 31_000);
});

test('historical (backfilled) blocks are not judged by arrival time', () => {
  const h = new Harness();
  h.at(T0 + 10_000);
  assert.deepEqual(h.monitor.processBlock(blk(100, T0), { historical: true }), []);
  assert.deepEqual(h.monitor.processBlock(blk(101, T0 + 12), { historical: true }), []);
  assert.equal(h.monitor.getStats().blocks_processed, 2);
});

test('no new head for more than max_block_delay: one delayed record for the next number, once per stall', () => {
  const h = new Harness();
  h.feed(blk(100, T0), T0 + 1);
  assert.deepEqual(h.tickEach(T0 + 2, T0 + 31), [], 'not yet: 30 s is the limit');
  const out = h.tickEach(T0 + 32, T0 + 40);
  assert.deepEqual(summary(out), ['101 delayed NetworkLatency Medium']);
  assert.equal(out[0].expected_timestamp, T0 + 12);
  assert.equal(out[0].actual_timestamp, T0 + 32);
  assert.equal(out[0].metadata.detected_by, 'timer');

  // The block finally comes: the same record is closed with its arrival, not reported again.
  h.events.length = 0;
  const arrived = h.feed(blk(101, T0 + 12), T0 + 41);
  assert.deepEqual(arrived, []);
  assert.equal(h.events.length, 1);
  assert.equal(h.events[0].change, 'updated');
  assert.equal(h.events[0].r.actual_timestamp, T0 + 41);
  assert.equal(h.events[0].r.metadata.arrival_delay_ms, undefined, '29 s after its timestamp is within the limit');
  assert.equal(h.events[0].r.block_hash, blk(101, 0).hash);

  // A new stall after the new head is a new episode.
  assert.deepEqual(summary(h.tickEach(T0 + 42, T0 + 72)), ['102 delayed NetworkLatency Medium']);
});

test('a stall while the transport is failing takes the transport error as its reason, and so does the gap after it', () => {
  const h = new Harness();
  h.feed(blk(100, T0), T0 + 1);
  h.monitor.noteTransportError('ConnectionLost');
  assert.deepEqual(summary(h.tickEach(T0 + 2, T0 + 35)), ['101 delayed ConnectionLost Medium']);
  const out = h.feed(blk(103, T0 + 36), T0 + 37);
  assert.deepEqual(summary(out), ['101 gap ConnectionLost Medium', '102 gap ConnectionLost Medium']);
});
