// Missed slots per watched proposer (src/core/proposers.ts), the one tally behind `mbm report`
// (text and --json), /report, /stats and the views. Pinned fixture: the beacon node's missed slots
// 9 and 17 (validator 6, watched; slot 9 written twice, as when alert_sent flips), 11 (validator 7,
// watched by public key), 10 (validator 1, not watched), 20 (duty unknown); plus a missed slot found
// from execution timestamps (no proposer: not counted) and a gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MissedBlock } from '../../src/core/model';
import { missedSlotsByProposer, proposerName, ProposerTally } from '../../src/core/proposers';
import { buildReport } from '../../src/core/report';
import { formatReportText } from '../../src/node/reportText';
import { statsFromReport } from '../../src/node/api/logsProvider';

const PK = (n: number) => `0x${String(n).padStart(2, '0').repeat(48)}`;

function slotRec(slot: number, proposer: number | undefined, watched: boolean, extra: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: 1_700_000_000 + slot, block_number: 100 + slot, reason: 'Unknown', severity: watched ? 'High' : 'Low',
    expected_timestamp: 1_700_000_000 + slot, actual_timestamp: 1_700_000_001 + slot, recovery_attempts: 0, recovered: false,
    metadata: { detected_by: 'beacon_next_block', proposer_watched: watched, ...(proposer === undefined ? { proposer_unknown: true } : {}) },
    alert_sent: false, kind: 'missed_slot', slot, beacon_slot: slot, source: 'bn:5052',
    ...(proposer !== undefined ? { proposer_index: proposer, proposer_pubkey: PK(proposer) } : {}),
    ...extra,
  };
}

const FIXTURE: MissedBlock[] = [
  slotRec(9, 6, true),
  slotRec(10, 1, false),
  slotRec(11, 7, true),
  slotRec(9, 6, true, { alert_sent: true }),
  slotRec(17, 6, true),
  slotRec(20, undefined, false),
  { ...slotRec(30, undefined, false), beacon_slot: undefined, source: 'el:8545', metadata: { detected_by: 'timestamp_gap' } },
  { ...slotRec(40, undefined, false), kind: 'gap', beacon_slot: undefined, slot: undefined, metadata: {} },
];

const EXPECTED = {
  watched: [
    { proposer_index: 6, proposer_pubkey: PK(6), missed_slots: 2 },
    { proposer_index: 7, proposer_pubkey: PK(7), missed_slots: 1 },
  ],
  other: 2,
};

test('watched proposers by index, the others summed; a rewritten record counts once; execution-side missed slots do not count', () => {
  assert.deepEqual(missedSlotsByProposer(FIXTURE), EXPECTED);
});

test('the tally is order-free and bounded by the watched list', () => {
  const t = new ProposerTally();
  for (const r of [...FIXTURE].reverse()) t.add(r);
  assert.deepEqual(t.summary(), EXPECTED);
  assert.equal(t.size, 5);
  // 200 unwatched proposers are one number, not 200 rows.
  const many = new ProposerTally();
  for (let s = 0; s < 200; s++) many.add(slotRec(s, 1000 + s, false));
  assert.deepEqual(many.summary(), { watched: [], other: 200 });
});

test('mbm report --json and /stats from logs carry missed_slots_by_proposer; the text report names watched ones', () => {
  const report = buildReport(FIXTURE);
  assert.deepEqual(report.missed_slots_by_proposer, EXPECTED);
  assert.deepEqual(statsFromReport(report, ['x.jsonl']).missed_slots_by_proposer, EXPECTED);
  const text = formatReportText(report);
  assert.match(text, /By proposer {4}5 missed slots \(beacon node\)/);
  assert.match(text, /validator 6 \(0x0606…0606\) +2 missed {2}watched/);
  assert.match(text, /validator 7 \(0x0707…0707\) +1 missed {2}watched/);
  assert.match(text, /other proposers +2 missed/);
});

test('no beacon missed slots: an empty summary, and no proposer lines in the text', () => {
  const report = buildReport(FIXTURE.slice(6));
  assert.deepEqual(report.missed_slots_by_proposer, { watched: [], other: 0 });
  assert.doesNotMatch(formatReportText(report), /By proposer/);
});

test('proposerName: index, with a short public key when it is one', () => {
  assert.equal(proposerName({ proposer_index: 3 }), 'validator 3');
  assert.equal(proposerName({ proposer_index: 3, proposer_pubkey: PK(3) }), 'validator 3 (0x0303…0303)');
  assert.equal(proposerName({ proposer_index: 3, proposer_pubkey: 'not-a-key' }), 'validator 3');
});
