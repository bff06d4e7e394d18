// The tree, the whole-log totals and the dashboard show missed slots per watched proposer from the
// one tally (core/proposers.ts); the dashboard's current streak follows the log's head as
// `mbm report` does. Pinned fixture: gaps #50–#52 (a streak of 3); the beacon node's missed slots 9
// and 17 of validator 6 (watched; slot 9 written twice), 11 of validator 7 (watched), 10 of
// validator 1 and 20 with no known duty (others); a missed slot from execution timestamps (no proposer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardModel } from '../../src/common/dashboard/model';
import { defaultView } from '../../src/common/dashboard/viewFilter';
import { BatchWriter } from '../../src/common/dashboard/wire';
import type { MissedBlock } from '../../src/core/model';
import type { LogView } from '../../src/extension/model/live';
import { summarize } from '../../src/extension/model/summary';
import { buildTree, type TreeNode } from '../../src/extension/model/treeModel';
import { LogTotals } from '../../src/extension/worker/logTotals';
import { entriesOf, rec } from '../helpers/extensionRecords';

const FILE = '/ws/logs/missed_blocks.jsonl';
const PK = (n: number) => `0x${String(n).padStart(2, '0').repeat(48)}`;
const slot = (s: number, proposer: number | undefined, watched: boolean, over: Partial<MissedBlock> = {}): MissedBlock =>
  rec(200 + s, {
    kind: 'missed_slot', reason: 'Unknown', severity: watched ? 'High' : 'Low', slot: s, beacon_slot: s, source: 'bn:5052',
    ...(proposer !== undefined ? { proposer_index: proposer, proposer_pubkey: PK(proposer) } : {}),
    metadata: { detected_by: 'beacon_next_block', proposer_watched: watched },
    ...over,
  });

const RECORDS: MissedBlock[] = [
  rec(50), rec(51), rec(52),
  slot(9, 6, true), slot(10, 1, false), slot(11, 7, true), slot(9, 6, true, { alert_sent: true }), slot(17, 6, true), slot(20, undefined, false),
  rec(300, { kind: 'missed_slot', slot: 300, metadata: { detected_by: 'timestamp_gap' } }),
];
const EXPECTED = {
  watched: [
    { proposer_index: 6, proposer_pubkey: PK(6), missed_slots: 2 },
    { proposer_index: 7, proposer_pubkey: PK(7), missed_slots: 1 },
  ],
  other: 2,
};

function dashboard(records: MissedBlock[]): DashboardModel {
  const w = new BatchWriter();
  records.forEach((record, i) => w.put({ record, file: FILE, line: i + 1 }));
  const m = new DashboardModel({ clock: { slotSeconds: 12, genesis: 0 } });
  m.setView(defaultView());
  m.apply(w.finish(), []);
  return m;
}

test('dashboard headline: missed slots per watched proposer, others summed (null without any)', () => {
  assert.deepEqual(dashboard(RECORDS).view().headline.proposers, EXPECTED);
  assert.equal(dashboard(RECORDS.slice(0, 3)).view().headline.proposers, null);
});

test('tree: a "Missed slots by proposer" row naming the watched validators, the others summed; whole-log totals agree', () => {
  const view: LogView = { file: FILE, displayName: 'logs/missed_blocks.jsonl', badLines: 0 };
  const entries = entriesOf(FILE, RECORDS);
  const summary = summarize(entries, { alertThreshold: 3, now: 2_000_000_000 });
  assert.deepEqual(summary.report.missed_slots_by_proposer, EXPECTED);
  const roots = buildTree([{ view, entries, summary }], { alertThreshold: 3, restricted: false });
  const row = roots.find((n) => n.label === 'Status')!.children!.find((n: TreeNode) => n.label === 'Missed slots by proposer')!;
  assert.equal(row.description, '5 missed slots');
  assert.deepEqual(row.children!.map((c) => [c.label, c.description]), [
    ['validator 6 (0x0606…0606)', '2 missed slots'],
    ['validator 7 (0x0707…0707)', '1 missed slot'],
    ['Other proposers', '2 missed slots'],
  ]);
  const totals = new LogTotals();
  for (const r of RECORDS) totals.add(r);
  assert.deepEqual(totals.report().missed_slots_by_proposer, EXPECTED);
});

test('dashboard current streak follows the log\'s head: #52–#53 current, #54 over; no head: the log-only rule', () => {
  const m = dashboard(RECORDS.slice(0, 3));
  assert.equal(m.view().headline.currentStreak, 3, 'no checkpoint: nothing recovered, still current');
  m.setHead(53);
  assert.equal(m.view().headline.currentStreak, 3, 'head one past the streak: current (as the live monitor)');
  m.setHead(54);
  assert.equal(m.view().headline.currentStreak, 0, 'the chain moved on');
  assert.equal(m.view().headline.longestStreak, 3);
  m.setHead(undefined);
  assert.equal(m.view().headline.currentStreak, 3);
});

test('fleet dashboard: each monitor\'s streak is judged by its own head (mbm_heads); one without a head keeps the log-only rule', () => {
  const w = new BatchWriter();
  const recs = [rec(50, { source: 'a · chain 1' }), rec(51, { source: 'a · chain 1' }), rec(90, { source: 'b · chain 2' }), rec(91, { source: 'b · chain 2' }), rec(92, { source: 'b · chain 2' })];
  recs.forEach((record, i) => w.put({ record, file: '', line: i + 1 }));
  const m = new DashboardModel({ clock: { slotSeconds: 12, genesis: 0 }, bySource: true });
  m.setView(defaultView());
  m.apply(w.finish(), []);
  assert.equal(m.view().headline.currentStreak, 3, 'no heads: both open, the larger');
  m.setHead(undefined, { 'b · chain 2': 94 });
  assert.equal(m.view().headline.currentStreak, 2, 'b moved on (#94 > #92 + 1); a has no head: open');
  m.setHead(undefined, { 'b · chain 2': 94, 'a · chain 1': 53 });
  assert.equal(m.view().headline.currentStreak, 0);
  m.setHead(undefined, JSON.parse('{"__proto__": 1, "a · chain 1": 52}'));
  assert.equal(m.view().headline.currentStreak, 3, 'a hostile name is just a key; b without a head is open again');
});
