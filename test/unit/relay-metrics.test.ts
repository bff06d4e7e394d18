import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { MissedBlockMetrics } from '../../src/node/api/metrics';
import { payloadRecord, type DeliveredPayload } from '../../src/core/payloads';

const H = (c: string) => `0x${c.repeat(64)}`;
const PK = (c: string) => `0x${c.repeat(96)}`;
const payload = (slot: number, hash: string, value: string): DeliveredPayload => ({
  slot, parent_hash: H('1'), block_hash: hash, builder_pubkey: PK('b'), proposer_pubkey: PK('c'),
  proposer_fee_recipient: `0x${'d'.repeat(40)}`, gas_limit: 30000000, gas_used: 1, value, block_number: 40 + slot,
});
const ctx = (relay: string) => ({ relay, source: 'node:8545', genesisTime: 0, secondsPerSlot: 12, detectedAt: 100, criticalWei: 10n ** 18n });

test('payloads_missed_total and payload_value_missed_wei_total per relay; a rewritten record counts once; promtool accepts the exposition', async () => {
  const m = new MissedBlockMetrics();
  m.relayKnown('quiet.relay:443');
  const a = payloadRecord(payload(3, H('a'), '1500000000000000000'), { status: 'missed' }, ctx('relay.one:443'))!;
  const b = payloadRecord(payload(5, H('b'), '250000000000000000'), { status: 'missed' }, ctx('relay.one:443'))!;
  const c = payloadRecord(payload(5, H('b'), '250000000000000000'), { status: 'missed' }, ctx('relay.two:443'))!;
  for (const r of [a, b, { ...b, alert_sent: true }, c]) m.observeRecord(r);
  const text = await m.exposition();
  assert.match(text, /^mev_relay_payloads_missed_total\{relay="relay\.one:443"\} 2$/m);
  assert.match(text, /^mev_relay_payloads_missed_total\{relay="relay\.two:443"\} 1$/m);
  assert.match(text, /^mev_relay_payloads_missed_total\{relay="quiet\.relay:443"\} 0$/m);
  assert.match(text, /^mev_relay_payload_value_missed_wei_total\{relay="relay\.one:443"\} 1750000000000000000$/m);
  assert.match(text, /^mev_relay_payload_value_missed_wei_total\{relay="relay\.two:443"\} 250000000000000000$/m);
  const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(out.trim(), '');
});
