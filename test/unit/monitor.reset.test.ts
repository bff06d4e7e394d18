// Chain resets: a node restarted without its state begins again at block 0. One chain_reset
// record, the same however the timing falls; nothing earlier rewritten; streaks start over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blk, Harness, hashOf, summary, T0 } from '../helpers/monitorHarness';

const ts = (n: number) => T0 + n * 12;
const a = (n: number) => blk(n, ts(n), 'a');
/** The new chain: its own genesis, timestamps from a later start. */
const z = (n: number) => blk(n, ts(n) + 600, 'z');

function oldChain(h: Harness, to: number, skip: number[] = []): void {
  for (let n = 0; n <= to; n++) if (!skip.includes(n)) h.feed(a(n));
}

test('genesis hash changed, new chain below the old head: one chain_reset record, then the new chain without records', () => {
  const h = new Harness();
  oldChain(h, 10);
  assert.equal(h.monitor.needsGenesisCheck(z(3)), true, 'a lower head with another hash is checked');
  h.events.length = 0;
  const out = h.monitor.noteGenesis(hashOf('z', 0), z(3));
  assert.deepEqual(summary(out), ['3 chain_reset Unknown High']);
  assert.equal(out[0].block_hash, hashOf('z', 3));
  assert.deepEqual(
    { by: out[0].metadata.detected_by, old: out[0].metadata.old_head, oldHash: out[0].metadata.old_head_hash, was: out[0].metadata.old_genesis_hash, now: out[0].metadata.new_genesis_hash },
    { by: 'genesis_hash', old: 10, oldHash: hashOf('a', 10), was: hashOf('a', 0), now: hashOf('z', 0) },
  );
  // Nothing was due: the record's times are the detection's (the clock is at block 10's arrival), the chains' own times in metadata.
  assert.deepEqual([out[0].expected_timestamp, out[0].actual_timestamp, out[0].metadata.old_head_timestamp, out[0].metadata.new_block_timestamp], [ts(10) + 1, ts(10) + 1, ts(10), ts(3) + 600]);
  assert.deepEqual(h.feed(z(3)), []);
  assert.deepEqual(h.feed(z(4)), []);
  assert.equal(h.monitor.lastProcessed()!.hash, hashOf('z', 4));
  assert.deepEqual(h.events.map((e) => `${e.change} ${e.r.kind}`), ['new chain_reset'], 'nothing earlier rewritten');
  assert.equal(h.monitor.getStats().current_streak, 0);
  assert.equal(h.monitor.getStats().by_kind.chain_reset, 1);
});

test('genesis hash changed, new chain already past the old head: chain_reset, not gaps', () => {
  const h = new Harness();
  oldChain(h, 10, [5]); // one real gap on the old chain
  assert.deepEqual(summary([...h.latest.values()]), ['5 gap Unknown Medium']);
  h.events.length = 0;
  assert.equal(h.monitor.needsGenesisCheck(z(15)), true);
  const out = [...h.monitor.noteGenesis(hashOf('z', 0), z(15)), ...h.feed(z(15))];
  assert.deepEqual(summary(out), ['15 chain_reset Unknown High']);
  assert.deepEqual(h.feed(z(16)), []);
  assert.deepEqual(h.events.map((e) => `${e.change} ${e.r.block_number} ${e.r.kind}`), ['new 15 chain_reset'], 'the old gap is not rewritten');
  assert.deepEqual(h.monitor.pending(), [], "the old chain's gap is no longer waited on");
});

test('the same genesis hash again is no reset, and a plain next block needs no check', () => {
  const h = new Harness();
  oldChain(h, 4);
  assert.equal(h.monitor.needsGenesisCheck(a(5)), false);
  assert.equal(h.monitor.needsGenesisCheck(a(4)), false, 'a re-delivery');
  assert.equal(h.monitor.needsGenesisCheck(a(7)), true, 'a gap');
  assert.deepEqual(h.monitor.noteGenesis(hashOf('a', 0), a(7)), []);
});

test('without the genesis check: a new branch that replaces our block 0 is a chain_reset, not a reorg', () => {
  const h = new Harness();
  oldChain(h, 10);
  h.events.length = 0;
  const out = h.feed(z(6), ts(6) + 601, [5, 4, 3, 2, 1, 0].map(z));
  assert.deepEqual(summary(out), ['6 chain_reset Unknown High']);
  assert.equal(out[0].metadata.detected_by, 'no_common_ancestor');
  assert.deepEqual(h.feed(z(7)), []);
  assert.equal(h.events.filter((e) => e.r.kind === 'reorg').length, 0);
});

test('a head further below ours than the window reaches is a chain_reset', () => {
  const h = new Harness({}, { hashWindow: 4 });
  for (let n = 100; n <= 120; n++) h.feed(a(n));
  const out = h.feed(z(3));
  assert.deepEqual(summary(out), ['3 chain_reset Unknown High']);
  assert.equal(out[0].metadata.detected_by, 'head_far_below');
  assert.deepEqual(h.feed(z(4)), []);
});

test('streaks start over: records on the new chain do not join a streak of the old one', () => {
  const h = new Harness({ alertThreshold: 3 });
  oldChain(h, 10, [8, 9]); // streak of 2 at 8–9 (10 arrived, so it is closed)
  h.monitor.noteGenesis(hashOf('z', 0), z(7));
  h.feed(z(7));
  h.events.length = 0;
  const out = h.feed(z(11)); // a gap 8–10 on the new chain
  assert.deepEqual(summary(out), ['8 gap Unknown High', '9 gap Unknown High', '10 gap Unknown High'].map((s) => s.replace('High', 'Critical')));
  assert.equal(h.monitor.getStats().current_streak, 3, 'only the new chain\'s three');
  assert.ok(h.events.every((e) => e.change === 'new'), 'the old chain\'s records at 8 and 9 are not rewritten Critical');
});
