import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardModel } from '../../src/common/dashboard/model';
import { defaultView } from '../../src/common/dashboard/viewFilter';
import { BatchWriter } from '../../src/common/dashboard/wire';
import type { MissedBlock } from '../../src/core/model';
import { rec } from '../helpers/extensionRecords';

const payload = (slot: number, relay: string, wei: string, block: number): MissedBlock =>
  rec(block, { kind: 'payload_missed', severity: 'High', reason: 'Unknown', beacon_slot: slot, relay, payload_value_wei: wei });

test('dashboard: missed payloads sharing a block number stay apart (beacon slot, relay); headline value lost; no streak from them', () => {
  // Three empty slots before block 1 all had payloads numbered 1; slot 3 came from two relays; one written twice.
  const records = [
    rec(50), rec(51),
    payload(1, 'relay.a:443', '1500000000000000000', 1),
    payload(2, 'relay.a:443', '250000000000000001', 1),
    payload(3, 'relay.a:443', '7', 1),
    payload(3, 'relay.b:443', '7', 1),
    { ...payload(2, 'relay.a:443', '250000000000000001', 1), alert_sent: true },
  ];
  const w = new BatchWriter();
  records.forEach((record, i) => w.put({ record, file: '/l.jsonl', line: i + 1 }));
  const m = new DashboardModel({ clock: { slotSeconds: 12, genesis: 0 } });
  m.setView(defaultView());
  m.apply(w.finish(), []);
  const v = m.view();
  assert.equal(v.held, 6);
  assert.deepEqual({ ...v.headline.valueLost, by_relay: { ...v.headline.valueLost!.by_relay } }, {
    count: 3,
    wei: '1750000000000000008',
    by_relay: { 'relay.a:443': { count: 3, wei: '1750000000000000008' }, 'relay.b:443': { count: 1, wei: '7' } },
  });
  assert.equal(v.headline.longestStreak, 2, 'blocks 50–51 only');
});
