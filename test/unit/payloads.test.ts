import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ethToWei, formatEth, formatValueLost, judgePayload, payloadRecord, payloadSeverity, valueLost, type DeliveredPayload } from '../../src/core/payloads';
import { recordKey, toLogLine } from '../../src/core/model';
import Ajv2020 from 'ajv/dist/2020';
import schema from '../../schema/missed-block.schema.json';
import { fastValid } from '../../src/node/log/fastValidate';
import { numericKey } from '../../src/node/log/keyscan';

const ajv = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const H = (c: string) => `0x${c.repeat(64)}`;
const PK = (c: string) => `0x${c.repeat(96)}`;

const payload = (over: Partial<DeliveredPayload> = {}): DeliveredPayload => ({
  slot: 17,
  parent_hash: H('1'),
  block_hash: H('a'),
  builder_pubkey: PK('b'),
  proposer_pubkey: PK('c'),
  proposer_fee_recipient: `0x${'d'.repeat(40)}`,
  gas_limit: 30000000,
  gas_used: 12345678,
  value: '1234567890123456789',
  block_number: 42,
  num_tx: 7,
  ...over,
});

const ctx = { relay: 'relay.example:443', source: '127.0.0.1:8545', chainId: 1, genesisTime: 1000, secondsPerSlot: 12, detectedAt: 5000, criticalWei: 10n ** 18n };

test('judgePayload: no block → missed; same execution hash → landed; other hash → replaced; phase0 block → unverifiable', () => {
  assert.deepEqual(judgePayload(payload(), { block: false }), { status: 'missed' });
  assert.deepEqual(judgePayload(payload(), { block: true, executionBlockHash: H('A') }), { status: 'landed' });
  assert.deepEqual(judgePayload(payload(), { block: true, executionBlockHash: H('e'), executionBlockNumber: 42 }), { status: 'replaced', replacedBy: H('e'), replacedByNumber: 42 });
  assert.deepEqual(judgePayload(payload(), { block: true }), { status: 'unverifiable' });
});

test('ethToWei is exact decimal arithmetic; bad amounts say what is expected', () => {
  assert.equal(ethToWei(1), 1000000000000000000n);
  assert.equal(ethToWei(0.1), 100000000000000000n);
  assert.equal(ethToWei('0.000000000000000001'), 1n);
  assert.equal(ethToWei('2.5'), 2500000000000000000n);
  assert.throws(() => ethToWei(-1), /at most 18 decimals/);
  assert.throws(() => ethToWei('1e3'), /like 1 or "0.25"/);
  assert.throws(() => ethToWei('0.0000000000000000001'), RangeError);
});

test('formatEth truncates exactly; tiny values are not shown as 0', () => {
  assert.equal(formatEth('1234567890123456789'), '1.2345 ETH');
  assert.equal(formatEth(2000000000000000000n), '2 ETH');
  assert.equal(formatEth('0'), '0 ETH');
  assert.equal(formatEth('5'), '< 0.0001 ETH');
});

test('severity by value: above critical_value_eth Critical, at or below High', () => {
  assert.equal(payloadSeverity('1000000000000000001', 10n ** 18n), 'Critical');
  assert.equal(payloadSeverity('1000000000000000000', 10n ** 18n), 'High');
  assert.equal(payloadSeverity('0', 10n ** 18n), 'High');
});

test('payloadRecord: a missed payload is a valid payload_missed record with the exact wei string', () => {
  const r = payloadRecord(payload(), { status: 'missed' }, ctx)!;
  assert.equal(r.kind, 'payload_missed');
  assert.equal(r.beacon_slot, 17);
  assert.equal(r.block_number, 42);
  assert.equal(r.block_hash, H('a'));
  assert.equal(r.payload_value_wei, '1234567890123456789');
  assert.equal(r.relay, 'relay.example:443');
  assert.equal(r.severity, 'Critical');
  assert.equal(r.expected_timestamp, 1000 + 17 * 12);
  assert.equal(r.metadata.outcome, 'no_block');
  assert.equal(r.metadata.replaced_by, undefined);
  const parsed = JSON.parse(toLogLine(r));
  assert.equal(parsed.payload_value_wei, '1234567890123456789');
  assert.equal(fastValid(parsed), true);
  assert.equal(ajv(parsed), true);
  assert.equal(payloadRecord(payload(), { status: 'landed' }, ctx), null);
  assert.equal(payloadRecord(payload(), { status: 'unverifiable' }, ctx), null);
});

test('payloadRecord: replaced carries metadata.replaced_by', () => {
  const r = payloadRecord(payload({ value: '5' }), { status: 'replaced', replacedBy: H('e'), replacedByNumber: 42 }, ctx)!;
  assert.equal(r.metadata.outcome, 'replaced');
  assert.equal(r.metadata.replaced_by, H('e'));
  assert.equal(r.severity, 'High');
});

test('schema and fast check refuse a float value and a short pubkey', () => {
  const r = JSON.parse(toLogLine(payloadRecord(payload(), { status: 'missed' }, ctx)!));
  for (const bad of [{ payload_value_wei: 1.5 }, { payload_value_wei: '01' }, { payload_value_wei: '-1' }, { builder_pubkey: '0xab' }, { beacon_slot: -1 }]) {
    const v = { ...r, ...bad };
    assert.equal(fastValid(v), false, JSON.stringify(bad));
    assert.equal(ajv(v), false, JSON.stringify(bad));
  }
});

test('recordKey: one payload_missed per beacon slot and relay; never a numeric key', () => {
  const a = payloadRecord(payload(), { status: 'missed' }, ctx)!;
  const b = payloadRecord(payload(), { status: 'missed' }, { ...ctx, relay: 'other:443' })!;
  const c = payloadRecord(payload({ slot: 18 }), { status: 'missed' }, ctx)!;
  assert.equal(recordKey(a), '42:payload_missed:17:relay.example:443');
  assert.notEqual(recordKey(a), recordKey(b));
  assert.notEqual(recordKey(a), recordKey(c));
  assert.equal(numericKey(42, 'payload_missed'), -1);
});

test('valueLost: sums wei exactly per relay; a rewritten record counts once; one payload via two relays counts once in the total', () => {
  const a = payloadRecord(payload({ slot: 10, block_hash: H('1'), value: '1000000000000000000' }), { status: 'missed' }, ctx)!;
  const b = payloadRecord(payload({ slot: 11, block_hash: H('2'), value: '250000000000000001' }), { status: 'missed' }, ctx)!;
  const bAgain = { ...b, alert_sent: true };
  const viaOther = payloadRecord(payload({ slot: 10, block_hash: H('1'), value: '1000000000000000000' }), { status: 'missed' }, { ...ctx, relay: 'other:443' })!;
  const gap = { ...a, kind: 'gap' as const };
  const v = valueLost([a, b, bAgain, viaOther, gap]);
  assert.deepEqual(v, {
    count: 2,
    wei: '1250000000000000001',
    by_relay: Object.assign(Object.create(null), {
      'other:443': { count: 1, wei: '1000000000000000000' },
      'relay.example:443': { count: 2, wei: '1250000000000000001' },
    }),
  });
  assert.equal(formatValueLost(v), '2 missed payloads, 1.25 ETH');
  assert.deepEqual(valueLost([]), { count: 0, wei: '0', by_relay: Object.create(null) });
});

test('valueLost beyond 2^53 wei stays exact', () => {
  const big = '123456789012345678901234567890';
  const r = payloadRecord(payload({ value: big }), { status: 'missed' }, ctx)!;
  const r2 = payloadRecord(payload({ slot: 99, block_hash: H('f'), value: big }), { status: 'missed' }, ctx)!;
  assert.equal(valueLost([r, r2]).wei, '246913578024691357802469135780');
});
