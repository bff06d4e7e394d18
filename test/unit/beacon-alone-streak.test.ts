// With only a beacon node followed (no --rpc), the current streak ends when the chain moves on,
// exactly as with an RPC block feed: the watcher reports its head in the numbering of its records
// (execution block number with payloads, slot without), the monitor judges streaks by it.
// Pinned chain: blocks at slots 8 (execution #40) and 12 (#41), slots 9–11 empty; then slots 13
// (#42) and 14 (#43). The three missed slots are filed under #41 (the block after them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BeaconSlotWatcher, dutiesByPosition, type BeaconSpec } from '../../src/core/beacon';
import { BlockMonitor } from '../../src/core/monitor';
import { DEFAULT_MONITORING } from '../../src/core/config';

const SPEC: BeaconSpec = { genesisTime: 1000, secondsPerSlot: 2, slotsPerEpoch: 8 };
const PK = (n: number) => `0x${String(n).padStart(2, '0').repeat(48)}`;
const ROOT = (s: number) => `0x${String(s).padStart(4, '0').repeat(16)}`;
const at = (slot: number, extra = 0) => 1000 + slot * 2 + extra;
const HASH = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

function watcher(): BeaconSlotWatcher {
  const w = new BeaconSlotWatcher(SPEC, { source: 'bn:5052', watched: { indices: new Set([6]), pubkeys: new Set() } });
  w.setDuties(dutiesByPosition(SPEC, 1, [8, 9, 10, 11, 12, 13, 14, 15].map((slot, i) => ({ slot, validatorIndex: [0, 6, 1, 7, 2, 3, 4, 5][i], pubkey: PK([0, 6, 1, 7, 2, 3, 4, 5][i]) }))));
  return w;
}

const monitor = (nowSlot: number) => new BlockMonitor({ ...DEFAULT_MONITORING, expectedBlockTimeMs: 2000, maxBlockDelayMs: 600_000 }, { source: 'el', now: () => at(nowSlot, 1) * 1000 });

test('beacon only: the head number follows the records\' numbering (execution number with payloads, slot without)', () => {
  const w = watcher();
  w.begin(8);
  assert.equal(w.headNumber(), undefined, 'no block at the head yet');
  w.noteBlock(8, ROOT(8));
  assert.equal(w.headNumber(), undefined, 'its payload not asked for yet');
  w.noteBlock(8, ROOT(8), 40);
  assert.equal(w.headNumber(), 40);
  w.noteBlock(9, ROOT(9), null);
  assert.equal(w.headNumber(), 9, 'a chain without payloads: the slot');
});

test('beacon only: a streak of missed slots is current until the chain moves past it, then 0 — the same numbers as an RPC feed', () => {
  // Beacon side.
  const w = watcher();
  w.begin(8);
  w.noteSyncing(false, 8);
  w.noteBlock(8, ROOT(8), 40);
  w.noteBlock(12, ROOT(12), 41);
  assert.deepEqual(w.due(at(12, 1)), [9, 10, 11]);
  const m = monitor(12);
  const drafts = [9, 10, 11].map((s) => w.confirmEmpty(s, at(12, 1), 'beacon_next_block')!);
  assert.deepEqual(drafts.map((d) => d.block_number), [41, 41, 41]);
  m.addDrafts(drafts);
  assert.equal(m.getStats().current_streak, 3, 'no head known yet: open');
  const beacon: number[] = [];
  for (const [slot, exec] of [[12, 41], [13, 42], [14, 43]] as const) {
    w.noteBlock(slot, ROOT(slot), exec);
    m.noteOutsideHead(w.headNumber()!);
    beacon.push(m.getStats().current_streak);
  }
  assert.deepEqual(beacon, [3, 3, 0], 'head #41, #42: current; #43: the chain moved on');

  // RPC side, the same chain: blocks #40 (slot 8) and #41 (slot 12) make the three missed slots.
  const r = monitor(14);
  const rpc: number[] = [];
  for (const [n, slot] of [[40, 8], [41, 12], [42, 13], [43, 14]] as const) {
    r.processBlock({ number: n, hash: HASH(n), parentHash: HASH(n - 1), timestamp: at(slot), receivedAt: at(slot) });
    if (n >= 41) rpc.push(r.getStats().current_streak);
  }
  assert.equal(r.getStats().by_kind.missed_slot, 3);
  assert.deepEqual(rpc, beacon);
  assert.equal(m.getStats().longest_streak, 3);
});

test('beacon only: an older head never reopens a streak', () => {
  const m = monitor(12);
  const w = watcher();
  w.begin(8);
  w.noteSyncing(false, 8);
  w.noteBlock(12, ROOT(12), 41);
  w.due(at(12, 1));
  m.addDrafts([w.confirmEmpty(9, at(12, 1), 'beacon_next_block')!]);
  m.noteOutsideHead(50);
  m.noteOutsideHead(41);
  assert.equal(m.getStats().current_streak, 0);
});
