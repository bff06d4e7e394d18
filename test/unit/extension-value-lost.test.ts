import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogView } from '../../src/extension/model/live';
import { statusBarView } from '../../src/extension/model/statusText';
import { summarize } from '../../src/extension/model/summary';
import { buildTree, type TreeNode } from '../../src/extension/model/treeModel';
import { entriesOf, rec } from '../helpers/extensionRecords';

const FILE = '/ws/logs/missed_blocks.jsonl';
const payload = (slot: number, relay: string, wei: string, block: number) =>
  rec(block, { kind: 'payload_missed', severity: 'High', reason: 'Unknown', beacon_slot: slot, relay, payload_value_wei: wei, block_hash: `0x${slot.toString(16).padStart(64, '0')}` });

function input() {
  // Payloads for consecutive block numbers, plus two gaps next to them: only the gaps make a streak.
  const records = [rec(100), rec(101), payload(7, 'relay.a:443', '1500000000000000000', 102), payload(8, 'relay.a:443', '250000000000000000', 103), payload(8, 'relay.b:443', '250000000000000000', 103)];
  const view: LogView = { file: FILE, displayName: 'logs/missed_blocks.jsonl', badLines: 0 };
  const entries = entriesOf(FILE, records);
  return { view, entries, summary: summarize(entries, { alertThreshold: 3, now: 2_000_000_000 }) };
}

test('summary: value lost from the report; missed payloads form no streak', () => {
  const s = input().summary;
  assert.deepEqual(s.report.value_lost, {
    count: 2,
    wei: '1750000000000000000',
    by_relay: Object.assign(Object.create(null), { 'relay.a:443': { count: 2, wei: '1750000000000000000' }, 'relay.b:443': { count: 1, wei: '250000000000000000' } }),
  });
  assert.equal(s.longest, 2, 'blocks 100–101 only');
});

test('tree: a Value lost row under Status with one row per relay; status bar tooltip says it', () => {
  const l = input();
  const roots = buildTree([l], { alertThreshold: 3, restricted: false });
  const status = roots.find((n) => n.label === 'Status')!;
  const row = status.children!.find((n: TreeNode) => n.label === 'Value lost')!;
  assert.equal(row.description, '2 missed payloads, 1.75 ETH');
  assert.deepEqual(row.children!.map((c) => [c.label, c.description]), [
    ['relay.a:443', '2 missed payloads, 1.75 ETH'],
    ['relay.b:443', '1 missed payload, 0.25 ETH'],
  ]);
  const v = statusBarView({ log: l, restricted: false, alertThreshold: 3 });
  assert.match(v.tooltip, /^Value lost: 2 missed payloads, 1\.75 ETH$/m);
});
