// The beacon slot watcher's decisions (src/core/beacon.ts): when a slot is judged, what a 404
// makes, that nothing is judged while the node is syncing or unknown, no doubles after a
// reconnect, reorg records with the node's depth; and the [beacon] config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BeaconSlotWatcher, dutiesByPosition, type BeaconSpec } from '../../src/core/beacon';
import { beaconConfigFrom } from '../../src/core/beaconConfig';
import { ConfigError } from '../../src/core/config';
import { formatAlertMessage } from '../../src/core/alertText';
import { BlockMonitor } from '../../src/core/monitor';
import { DEFAULT_MONITORING } from '../../src/core/config';

const SPEC: BeaconSpec = { genesisTime: 1000, secondsPerSlot: 2, slotsPerEpoch: 8 };
const PK = (n: number) => `0x${String(n).padStart(2, '0').repeat(48)}`;
const ROOT = (s: number) => `0x${String(s).padStart(4, '0').repeat(16)}`;
const at = (slot: number, extra = 0) => 1000 + slot * 2 + extra;

function watcher(o: Partial<ConstructorParameters<typeof BeaconSlotWatcher>[1]> = {}) {
  const w = new BeaconSlotWatcher(SPEC, { source: 'bn:5052', watched: { indices: new Set([6]), pubkeys: new Set([PK(7)]) }, ...o });
  w.setDuties(dutiesByPosition(SPEC, 1, [8, 9, 10, 11, 12, 13, 14, 15].map((slot, i) => ({ slot, validatorIndex: [0, 6, 1, 7, 2, 3, 4, 5][i], pubkey: PK([0, 6, 1, 7, 2, 3, 4, 5][i]) }))));
  return w;
}

test('duties are placed by position within the epoch (a node labelling the next epoch with this epoch\'s slots)', () => {
  const d = dutiesByPosition(SPEC, 3, [{ slot: 16, validatorIndex: 4, pubkey: PK(4).toUpperCase().replace('0X', '0x') }, { slot: 17, validatorIndex: 5, pubkey: PK(5) }]);
  assert.deepEqual(d.map((x) => [x.slot, x.validatorIndex]), [[24, 4], [25, 5]]);
  assert.equal(d[0].pubkey, PK(4));
});

test('a slot with no block is asked about once the next block is known, and a 404 makes one missed_slot draft with its proposer', () => {
  const w = watcher();
  w.begin(8);
  w.noteSyncing(false, 8);
  assert.deepEqual(w.due(at(9, 1)), [], 'slot 9 is still running');
  w.noteBlock(10, ROOT(10));
  assert.deepEqual(w.due(at(10, 0.5)), [9]);
  assert.deepEqual(w.due(at(10, 0.6)), [], 'in flight: not asked twice');
  const d = w.confirmEmpty(9, at(10, 1), 'beacon_next_block')!;
  assert.equal(d.kind, 'missed_slot');
  assert.equal(d.beacon_slot, 9);
  assert.equal(d.slot, 9);
  assert.equal(d.proposer_index, 6);
  assert.equal(d.proposer_pubkey, PK(6));
  assert.equal(d.block_number, 10, 'no payloads: the next block\'s slot');
  assert.equal(d.expected_timestamp, 1018);
  assert.equal(d.actual_timestamp, 1021);
  assert.equal(d.metadata.proposer_watched, true);
  assert.equal(d.metadata.next_slot, 10);
  assert.equal(w.confirmEmpty(9, at(10, 2), 'beacon_next_block'), undefined, 'never twice');
});

test('with payloads: block_number is the next block\'s execution number; a watched pubkey counts as watched', () => {
  const w = watcher();
  w.begin(8);
  w.noteSyncing(false, 8);
  w.noteBlock(10, ROOT(10));
  w.noteBlock(12, ROOT(12), 41);
  assert.deepEqual(w.due(at(12, 0.5)), [9, 11]);
  w.noteBlock(9, ROOT(9));
  const d = w.confirmEmpty(11, at(12, 1), 'beacon_next_block')!;
  assert.equal(d.block_number, 41);
  assert.equal(d.proposer_index, 7);
  assert.equal(d.metadata.proposer_watched, true, 'validator 7 is watched by its public key');
});

test('by the clock: a synced node\'s slot is asked about after its end plus the grace; a syncing or unknown node\'s is not', () => {
  const w = watcher({ graceSec: 2 });
  w.begin(8);
  w.noteSyncing(false, 8);
  assert.deepEqual(w.due(at(10, 1.9)), [], 'slot 9 ended at 1020, grace until 1022');
  assert.deepEqual(w.due(at(11, 0)), [9]);
  w.release(9);
  w.noteSyncing(false, 8, 12);
  assert.deepEqual(w.due(at(20)), [], 'says synced but 12 slots behind the clock: nothing judged by the clock');
  w.noteSyncing(true, 8);
  assert.deepEqual(w.due(at(20)), [], 'syncing: nothing judged by the clock');
  w.noteDown();
  w.noteBlock(7, ROOT(7));
  assert.deepEqual(w.due(at(20)), [], 'after a reconnect, before the sync state is known: nothing beyond the head');
});

test('after an outage: the slots between are judged once the node has imported past them, none twice, history bounded', () => {
  const w = watcher({ maxCatchUpSlots: 5 });
  w.begin(8);
  w.noteSyncing(false, 8);
  w.noteBlock(10, ROOT(10));
  assert.deepEqual(w.due(at(10, 1)), [9]);
  w.confirmEmpty(9, at(10, 1), 'x');
  w.noteDown();
  w.noteSyncing(true, 0);
  assert.deepEqual(w.due(at(30)), [], 'restarted at head 0, syncing');
  w.noteBlock(12, ROOT(12));
  assert.deepEqual(w.due(at(30)), [11], 'imported up to 12: 11 can be judged, 9 is not asked again');
  w.noteBlock(11, ROOT(11));
  w.noteBlock(30, ROOT(30));
  const due = w.due(at(30, 1));
  assert.deepEqual(due, [25, 26, 27, 28, 29], 'only the newest 5 slots (the catch-up window)');
  assert.equal(w.skipped, 12, 'slots 13..24 passed over');
});

test('chain_reorg: one reorg draft with the node\'s depth; the replaced slots are asked about again', () => {
  const w = watcher();
  w.begin(8);
  w.noteSyncing(false, 8);
  for (const s of [9, 10, 11, 12]) w.noteBlock(s, ROOT(s));
  w.due(at(12, 1));
  const r = w.reorg({ slot: 12, depth: 2, oldHead: ROOT(12), newHead: ROOT(99) }, at(12, 1.5));
  assert.equal(r.kind, 'reorg');
  assert.equal(r.reason, 'ChainReorg');
  assert.equal(r.reorg_depth, 2);
  assert.equal(r.beacon_slot, 12);
  assert.equal(r.block_hash, ROOT(12));
  w.noteBlock(13, ROOT(13));
  assert.deepEqual(w.due(at(13, 1)), [11, 12]);
  w.noteBlock(12, ROOT(98));
  const d = w.confirmEmpty(11, at(13, 1), 'beacon_next_block')!;
  assert.equal(d.metadata.detected_by, 'beacon_reorg');
  assert.equal(d.proposer_index, 7);
});

test('the monitor stamps beacon drafts: watched proposer High, others Low; alert text names the proposer', () => {
  const w = watcher();
  w.begin(8);
  w.noteSyncing(false, 8);
  w.noteBlock(13, ROOT(13));
  w.due(at(13, 1));
  const m = new BlockMonitor({ ...DEFAULT_MONITORING, expectedBlockTimeMs: 2000 }, { source: 'el', now: () => at(13, 1) * 1000 });
  const out = m.addDrafts([9, 10, 11, 12].map((s) => w.confirmEmpty(s, at(13, 1), 'beacon_next_block')!));
  assert.deepEqual(out.map((r) => [r.beacon_slot, r.proposer_index, r.severity, r.source]), [
    [9, 6, 'High', 'bn:5052'],
    [10, 1, 'Low', 'bn:5052'],
    [11, 7, 'High', 'bn:5052'],
    [12, 2, 'Low', 'bn:5052'],
  ]);
  const text = formatAlertMessage(out[0]);
  assert.match(text, /Proposer: validator 6 \(0x0606/);
  assert.match(text, /Slot: 9/);
});

test('[beacon] config: url, validators by index or public key; bad values name the key and the form', () => {
  const c = beaconConfigFrom({ other: { beacon: { url: 'http://127.0.0.1:5052', validators: [12, '13', PK(7).toUpperCase().replace('0X', '0x')], grace: '3s' } } });
  assert.equal(c.url, 'http://127.0.0.1:5052');
  assert.deepEqual([...c.watched.indices], [12, 13]);
  assert.deepEqual([...c.watched.pubkeys], [PK(7)]);
  assert.equal(c.graceSec, 3);
  assert.deepEqual(beaconConfigFrom({ other: {} }).watched.indices.size, 0);
  assert.throws(() => beaconConfigFrom({ other: { beacon: { validators: [12, '0xa1b2'] } } }), (e: ConfigError) => e.key === 'beacon.validators[1]' && /BLS public key/.test(e.message));
  assert.throws(() => beaconConfigFrom({ other: { beacon: { validators: [-1] } } }), (e: ConfigError) => e.key === 'beacon.validators[0]');
  assert.throws(() => beaconConfigFrom({ other: { beacon: { validators: 12 } } }), (e: ConfigError) => e.key === 'beacon.validators' && /a list/.test(e.message));
  assert.throws(() => beaconConfigFrom({ other: { beacon: { url: 'ws://x:1' } } }), (e: ConfigError) => e.key === 'beacon.url');
  assert.throws(() => beaconConfigFrom({ other: { beacon: { urls: ['http://x'] } } }), (e: ConfigError) => e.key === 'beacon.urls' && /url, validators, grace/.test(e.message));
});
