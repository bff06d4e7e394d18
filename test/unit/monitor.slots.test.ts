// Missed slots: from the timestamp gap between consecutive blocks, and from the wall-clock timer,
// never both for the same slot (the README classification table, row 4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blk, Harness, summary, T0, T0_SLOT } from '../helpers/monitorHarness';
import { recordKey } from '../../src/core/model';

test('consecutive blocks three slots apart: two missed_slot records on the later block, distinct slots and keys', () => {
  const h = new Harness();
  h.run(100, 100, T0);
  const out = h.feed(blk(101, T0 + 36));
  assert.deepEqual(summary(out), ['101 missed_slot Unknown High', '101 missed_slot Unknown High']);
  assert.deepEqual(out.map((r) => r.slot), [T0_SLOT + 1, T0_SLOT + 2]);
  assert.deepEqual(out.map((r) => r.expected_timestamp), [T0 + 12, T0 + 24]);
  assert.deepEqual(out.map((r) => r.actual_timestamp), [T0 + 37, T0 + 37]);
  assert.deepEqual(out.map(recordKey), [`101:missed_slot:${T0_SLOT + 1}`, `101:missed_slot:${T0_SLOT + 2}`]);
  assert.equal(out[0].metadata.slots_missed, 2);
});

test('half a slot of tolerance either way', () => {
  const h = new Harness();
  h.run(100, 100, T0);
  assert.deepEqual(h.feed(blk(101, T0 + 17)), [], '1.4 slots rounds to 1');
  assert.equal(h.feed(blk(102, T0 + 17 + 19)).length, 1, '1.6 slots rounds to 2');
  assert.deepEqual(h.feed(blk(103, T0 + 17 + 19 + 12)), []);
});

test('genesisTime shifts slot numbers', () => {
  const h = new Harness({}, { genesisTime: T0 - 120 });
  h.run(100, 100, T0);
  assert.deepEqual(h.feed(blk(101, T0 + 24)).map((r) => r.slot), [11]);
});

test('a chain halted for a long time: empty-slot records are capped too', () => {
  const h = new Harness({}, { maxGapRecords: 50 });
  h.run(100, 100, T0);
  const out = h.feed(blk(101, T0 + 12 * 100_000));
  assert.equal(out.length, 50);
  assert.equal(out.at(-1)!.slot, T0_SLOT + 99_999);
});

test('the timer flags each overdue slot max_block_delay after it was due; the next block does not report them again', () => {
  const h = new Harness();
  h.feed(blk(100, T0), T0 + 1);
  // Stall after 30 s; slot j due at T0+1+12j on our clock, flagged 30 s later.
  const ticked = h.tickEach(T0 + 2, T0 + 79);
  assert.deepEqual(
    ticked.map((r) => `${r.timestamp - T0} ${r.block_number} ${r.kind} ${r.slot ?? ''}`),
    [
      '32 101 delayed ',
      `43 101 missed_slot ${T0_SLOT + 1}`,
      `55 101 missed_slot ${T0_SLOT + 2}`,
      `67 101 missed_slot ${T0_SLOT + 3}`,
      `79 101 missed_slot ${T0_SLOT + 4}`,
    ],
  );
  // Block 101 is 5 slots after 100: slots 1–4 empty, all already flagged.
  const out = h.feed(blk(101, T0 + 60), T0 + 80);
  assert.deepEqual(out, []);
  const slots = [...h.latest.values()].filter((r) => r.kind === 'missed_slot');
  assert.equal(slots.length, 4);
  assert.equal(new Set(slots.map((r) => r.slot)).size, 4);
  assert.equal(h.monitor.getStats().by_kind.missed_slot, 4);
});

test('the block reports only the empty slots the timer had not flagged yet', () => {
  const h = new Harness();
  h.feed(blk(100, T0), T0 + 1);
  assert.equal(h.tickEach(T0 + 2, T0 + 56).filter((r) => r.kind === 'missed_slot').length, 2);
  const out = h.feed(blk(101, T0 + 60), T0 + 61);
  assert.deepEqual(out.map((r) => r.slot), [T0_SLOT + 3, T0_SLOT + 4]);
  assert.equal(h.monitor.getStats().by_kind.missed_slot, 4);
});

test('a streak built up tick by tick turns Critical at alert_threshold and rewrites the earlier records', () => {
  const h = new Harness();
  h.feed(blk(100, T0), T0 + 1);
  h.tickEach(T0 + 2, T0 + 67); // stall + 3 slots, all on block 101: streak 4
  assert.equal(h.monitor.shouldAlert(), false);
  assert.ok([...h.latest.values()].every((r) => r.severity !== 'Critical'));
  h.events.length = 0;
  const fifth = h.tickEach(T0 + 68, T0 + 79);
  assert.equal(fifth.length, 1);
  assert.equal(fifth[0].severity, 'Critical');
  assert.equal(fifth[0].streak, 5);
  assert.deepEqual(
    h.events.map((e) => `${e.change} ${e.r.kind} ${e.r.severity}`).sort(),
    ['new missed_slot Critical', 'updated delayed Critical', 'updated missed_slot Critical', 'updated missed_slot Critical', 'updated missed_slot Critical'],
  );
  assert.equal(h.monitor.shouldAlert(), true);
});

test('a node whose chain time is far behind the wall clock does not make every past slot overdue', () => {
  const h = new Harness();
  h.feed(blk(100, T0 - 86_400), T0 + 1); // anvil --timestamp in the past; late arrival is its own record
  const ticked = h.tickEach(T0 + 2, T0 + 44);
  assert.deepEqual(ticked.map((r) => r.kind), ['delayed', 'missed_slot']);
});
