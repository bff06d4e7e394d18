// Reorgs (the README classification table, row 5): one record per replaced block of ours, depth = how many.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blk, Harness, hashOf, summary, T0 } from '../helpers/monitorHarness';

const ts = (n: number) => T0 + (n - 100) * 12;
const b = (n: number, branch = 'b', parent = branch) => blk(n, ts(n), branch, parent);

test('depth 1: a new block at our head height whose parent is ours', () => {
  const h = new Harness();
  h.run(100, 105, T0);
  const out = h.feed(b(105, 'b', 'a'));
  assert.deepEqual(summary(out), ['105 reorg ChainReorg Medium']);
  assert.equal(out[0].reorg_depth, 1);
  assert.equal(out[0].block_hash, hashOf('a', 105));
  assert.equal(out[0].metadata.new_hash, hashOf('b', 105));
  assert.equal(out[0].metadata.trace_complete, true);
  assert.equal(out[0].expected_timestamp, ts(105));
  assert.equal(h.monitor.lastProcessed()!.hash, hashOf('b', 105));
  // The chain goes on from the new branch without further records.
  assert.deepEqual(h.feed(b(106)), []);
  assert.equal(h.monitor.neededAncestor(), undefined);
});

test('a re-delivered block with the same hash is not a reorg and is not counted twice', () => {
  const h = new Harness();
  h.run(100, 103, T0);
  assert.deepEqual(h.feed(blk(103, ts(103))), []);
  assert.deepEqual(h.feed(blk(101, ts(101))), []);
  assert.equal(h.monitor.getStats().blocks_processed, 4);
  assert.equal(h.monitor.lastProcessed()!.number, 103);
});

test('depth 3 in one call: the new head with its ancestors', () => {
  const h = new Harness();
  h.run(100, 105, T0);
  const out = h.feed(b(106), ts(106) + 1, [b(105), b(104), b(103, 'b', 'a')]);
  assert.deepEqual(summary(out), ['103 reorg ChainReorg High', '104 reorg ChainReorg High', '105 reorg ChainReorg High']);
  assert.ok(out.every((r) => r.reorg_depth === 3 && r.metadata.trace_complete === true));
  assert.deepEqual(out.map((r) => r.block_hash), [hashOf('a', 103), hashOf('a', 104), hashOf('a', 105)]);
  assert.deepEqual(out.map((r) => r.metadata.new_hash), [hashOf('b', 103), hashOf('b', 104), hashOf('b', 105)]);
  assert.equal(h.monitor.blockAt(104)!.hash, hashOf('b', 104), 'our view follows the new branch');
  assert.equal(h.monitor.blockAt(102)!.hash, hashOf('a', 102));
  assert.equal(h.monitor.neededAncestor(), undefined);
});

test('depth 3 found step by step: the monitor asks for each ancestor and writes the records once, with the final depth', () => {
  const h = new Harness();
  h.run(100, 105, T0);
  h.events.length = 0;
  assert.deepEqual(h.feed(b(106)), [], 'nothing written while the depth is unknown');
  assert.deepEqual(h.monitor.neededAncestor(), { number: 105, hash: hashOf('b', 105) });

  assert.deepEqual(h.monitor.supplyAncestors([b(105, 'c')]), [], 'a block with another hash is ignored');
  assert.deepEqual(h.monitor.supplyAncestors([b(105)]), []);
  assert.deepEqual(h.monitor.neededAncestor(), { number: 104, hash: hashOf('b', 104) });
  assert.deepEqual(h.monitor.supplyAncestors([b(104)]), []);
  const out = h.monitor.supplyAncestors([b(103, 'b', 'a')]);
  assert.deepEqual(summary(out), ['103 reorg ChainReorg High', '104 reorg ChainReorg High', '105 reorg ChainReorg High']);
  assert.equal(h.monitor.neededAncestor(), undefined);
  // One line per replaced block, in block order: three 'new' events, no rewrites.
  assert.deepEqual(
    h.events.map((e) => `${e.change} ${e.r.block_number} ${e.r.reorg_depth} ${e.r.severity} ${e.r.metadata.trace_complete}`),
    ['new 103 3 High true', 'new 104 3 High true', 'new 105 3 High true'],
  );
  assert.equal(h.monitor.getStats().by_kind.reorg, 3);
  assert.equal(h.monitor.getStats().by_severity.High, 3);
});

test('a walk that cannot go on (no ancestor fetched) is written as deep as proven by endReorg', () => {
  const h = new Harness();
  h.run(100, 105, T0);
  assert.deepEqual(h.feed(b(106)), []);
  const out = h.monitor.endReorg();
  assert.deepEqual(summary(out), ['105 reorg ChainReorg Medium']);
  assert.equal(out[0].metadata.trace_complete, false);
  assert.equal(h.monitor.neededAncestor(), undefined);
  assert.deepEqual(h.monitor.endReorg(), [], 'written once');
});

test('two reorgs at one height are two records with two keys (the replaced hashes)', () => {
  const h = new Harness();
  h.run(100, 105, T0);
  const first = h.feed(b(105, 'b', 'a'));
  const second = h.feed(b(105, 'c', 'a'));
  assert.deepEqual(summary([...first, ...second]), ['105 reorg ChainReorg Medium', '105 reorg ChainReorg Medium']);
  assert.deepEqual([first[0].block_hash, second[0].block_hash], [hashOf('a', 105), hashOf('b', 105)]);
  assert.equal([...h.latest.values()].filter((r) => r.kind === 'reorg').length, 2, 'a log reader keeps both');
  assert.equal(h.monitor.getStats().by_kind.reorg, 2);
});

test('a new head below ours: our blocks from its height up are replaced', () => {
  const h = new Harness();
  h.run(100, 105, T0);
  const out = h.feed(b(104, 'b', 'a'));
  assert.deepEqual(summary(out), ['104 reorg ChainReorg High', '105 reorg ChainReorg High']);
  assert.equal(out[0].metadata.new_hash, hashOf('b', 104));
  assert.equal(out[1].metadata.new_hash, undefined, 'the new branch has no 105 yet');
  assert.equal(h.monitor.lastProcessed()!.number, 104);
  assert.equal(h.monitor.blockAt(105), undefined);
  assert.deepEqual(h.feed(b(105)), [], 'the new 105 follows on without a gap or a reorg');
});

test('a reorg deeper than the hash window is reported as deep as the window reaches', () => {
  const h = new Harness({}, { hashWindow: 4 });
  h.run(100, 110, T0);
  const branch = [109, 108, 107, 106, 105].map((n) => b(n));
  const out = h.feed(b(110), ts(110) + 1, branch);
  // The window holds 107–110: those four are provably replaced; what lies below is unknown.
  assert.deepEqual(out.map((r) => r.block_number), [107, 108, 109, 110]);
  assert.ok(out.every((r) => r.reorg_depth === 4 && r.metadata.trace_complete === false));
});

test('after a restart the seeded checkpoint is compared: gap, or reorg of the checkpoint block', () => {
  const gap = new Harness();
  gap.monitor.seed({ number: 500, hash: hashOf('a', 500), timestamp: T0 });
  assert.deepEqual(summary(gap.feed(blk(503, T0 + 36))), ['501 gap Unknown Medium', '502 gap Unknown Medium']);

  const reorg = new Harness();
  reorg.monitor.seed({ number: 500, hash: hashOf('a', 500), timestamp: T0 });
  assert.deepEqual(reorg.feed(blk(501, T0 + 12, 'b')), []);
  const out = reorg.monitor.endReorg(); // nothing below the checkpoint block is held: as deep as proven
  assert.deepEqual(summary(out), ['500 reorg ChainReorg Medium']);
  assert.equal(out[0].block_hash, hashOf('a', 500));
});
