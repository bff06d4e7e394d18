// The block time in use: configured, a chain preset, or measured; and when missed slots can be judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockTimeFields, blockTimeText, BlockTimeResolver, CHAIN_PRESETS, slotsDetectable } from '../../src/core/blockTime';
import { Harness, T0 } from '../helpers/monitorHarness';
import { blk } from '../helpers/monitorHarness';

test('missed slots are judged only for whole-second slots of at least 1 s, unless forced', () => {
  assert.equal(slotsDetectable('auto', 12_000), true);
  assert.equal(slotsDetectable('auto', 1_000), true);
  assert.equal(slotsDetectable('auto', 100), false);
  assert.equal(slotsDetectable('auto', 250), false);
  assert.equal(slotsDetectable('auto', 1_500), false);
  assert.equal(slotsDetectable('auto', 2_000, false), false, 'a slot-less chain');
  assert.equal(slotsDetectable(true, 100), true);
  assert.equal(slotsDetectable(false, 12_000), false);
});

test('presets by chain id', () => {
  const rows = [1, 11155111, 17000, 560048, 10, 8453, 42161, 137, 100].map((id) => {
    const p = CHAIN_PRESETS.get(id)!;
    return `${id} ${p.name} ${p.blockTimeMs} ${p.slots}`;
  });
  assert.deepEqual(rows, [
    '1 Ethereum mainnet 12000 true',
    '11155111 Sepolia 12000 true',
    '17000 Holesky 12000 true',
    '560048 Hoodi 12000 true',
    '10 OP Mainnet 2000 true',
    '8453 Base 2000 true',
    '42161 Arbitrum One 250 false',
    '137 Polygon PoS 2000 true',
    '100 Gnosis 5000 true',
  ]);
});

test('a configured sub-second block time says once that missed slots are off', () => {
  const r = new BlockTimeResolver({ configuredMs: 100, explicit: true, detect: 'auto' });
  const s = r.start();
  assert.deepEqual(s.inUse, { ms: 100, source: 'config', slots: false });
  assert.equal(s.message, 'Missed-slot detection is off: 100 ms blocks are finer than block timestamps (whole seconds); relying on delays and gaps');
  assert.equal(r.chainId(31337), undefined, 'a configured block time is not replaced by a preset or measurement');
  assert.equal(new BlockTimeResolver({ configuredMs: 12_000, explicit: true, detect: 'auto' }).start().message, undefined);
});

test('a preset is used unless the block time was set; OP is 2 s slots, Arbitrum has none', () => {
  const op = new BlockTimeResolver({ configuredMs: 12_000, explicit: false, detect: 'auto' });
  assert.deepEqual(op.chainId(10)!.inUse, { ms: 2_000, source: 'preset', slots: true, chainId: 10, chain: 'OP Mainnet' });
  const arb = new BlockTimeResolver({ configuredMs: 12_000, explicit: false, detect: 'auto' }).chainId(42161)!;
  assert.equal(arb.inUse.slots, false);
  assert.match(arb.message!, /Arbitrum One \(chain 42161\): blocks are not made on fixed slots; missed-slot detection is off/);
  const set = new BlockTimeResolver({ configuredMs: 12_000, explicit: true, detect: 'auto' });
  set.chainId(10);
  assert.deepEqual(set.inUse(), { ms: 12_000, source: 'config', slots: true, chainId: 10 });
});

test('an unknown chain: the median interval over the first blocks, said once', () => {
  const r = new BlockTimeResolver({ configuredMs: 12_000, explicit: false, detect: 'auto' });
  assert.equal(r.chainId(424242)!.inUse.slots, false, 'no slots judged before the measurement');
  let news;
  // 3 s blocks, one late by a slot: the median ignores it. 9 intervals reach 30 s of chain time: 10 blocks.
  const stamps = [0, 3, 6, 9, 15, 18, 21, 24, 27, 30, 33];
  for (let i = 0; i < stamps.length && !news?.message; i++) news = r.observe({ number: 50 + i, timestamp: T0 + stamps[i], receivedAt: T0 + stamps[i] + 0.2 });
  assert.equal(news!.message, 'block time measured: 3 s over 10 blocks; set expected_block_time to fix it');
  assert.deepEqual(r.inUse(), { ms: 3_000, source: 'measured', slots: true, chainId: 424242, measuredOver: 10 });
  assert.equal(r.observe({ number: 61, timestamp: T0 + 36 }), undefined, 'said once');
});

test('a sub-second unknown chain is measured by arrival, with missed slots off', () => {
  const r = new BlockTimeResolver({ configuredMs: 12_000, explicit: false, detect: 'auto' });
  r.chainId(31337);
  let news;
  for (let i = 0; i <= 20; i++) news = r.observe({ number: i, timestamp: T0 + Math.floor(i / 4), receivedAt: T0 + i * 0.25 }) ?? news;
  assert.deepEqual(r.inUse(), { ms: 250, source: 'measured', slots: false, chainId: 31337, measuredOver: 21 });
  assert.match(news!.message!, /^block time measured: 250 ms over 21 blocks; set expected_block_time to fix it; missed-slot detection is off/);
});

test('a preset the chain disagrees with by more than half is reported once, the preset kept', () => {
  const r = new BlockTimeResolver({ configuredMs: 12_000, explicit: false, detect: 'auto' });
  r.chainId(10);
  const msgs: string[] = [];
  for (let i = 0; i <= 25; i++) {
    const n = r.observe({ number: i, timestamp: T0 + i * 5, receivedAt: T0 + i * 5 });
    if (n?.message) msgs.push(n.message);
  }
  assert.deepEqual(msgs, ['block time measured: 5 s over 7 blocks, but OP Mainnet (chain 10) is preset to 2 s; keeping the preset; set expected_block_time to fix it']);
  assert.equal(r.inUse().ms, 2_000);
});

test('the monitor with missed slots off: a 3-slot timestamp gap is no record, a number gap still is', () => {
  const h = new Harness({ expectedBlockTimeMs: 100, detectMissedSlots: 'auto' });
  h.feed(blk(1, T0));
  assert.deepEqual(h.feed(blk(2, T0 + 3)), []);
  assert.deepEqual(h.tickEach(T0 + 4, T0 + 120).filter((r) => r.kind === 'missed_slot'), []);
  assert.deepEqual(h.feed(blk(5, T0 + 121)).map((r) => `${r.block_number} ${r.kind}`), ['3 gap', '4 gap']);
  h.monitor.setBlockTime(1_000, true);
  assert.deepEqual(h.feed(blk(6, T0 + 124)).map((r) => `${r.block_number} ${r.kind} ${r.slot! - (T0 + 121)}`), ['6 missed_slot 1', '6 missed_slot 2']);
});

test("/health's block_time fields and the tooltip's line come from the same BlockTimeInUse", () => {
  const t = { ms: 3000, source: 'measured' as const, slots: true, chainId: 424242, measuredOver: 11 };
  assert.deepEqual(blockTimeFields(t), { ms: 3000, source: 'measured', missed_slots: true, chain_id: 424242, measured_over_blocks: 11 });
  assert.deepEqual(blockTimeFields({ ms: 2000, source: 'preset', slots: true, chainId: 137, chain: 'Polygon PoS' }), {
    ms: 2000,
    source: 'preset',
    missed_slots: true,
    chain_id: 137,
    chain: 'Polygon PoS',
  });
  assert.equal(blockTimeText(t), 'Block time: 3 s, measured over 11 blocks (chain 424242)');
  assert.equal(blockTimeText({ ms: 1500, source: 'config', slots: false }), 'Block time: 1.5 s, set in config; missed slots not judged');
});
