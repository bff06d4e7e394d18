// The Data API client against the loopback relay (test/peers/relayDataApi.ts, the spec's shapes):
// cursor paging, failures classified, the relay's key never in a message; [relay] config errors.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { RelayDataApi } from '../../src/node/relay/dataApi';
import { ClassifiedError } from '../../src/node/chain/errors';
import { parseConfigText, ConfigError } from '../../src/core/config';
import { formatAlertMessage } from '../../src/core/alertText';
import { payloadRecord } from '../../src/core/payloads';
import { freePort } from '../../src/node/chain/anvil';
import { RelayDataApiServer, type BidTrace } from '../peers/relayDataApi';

const servers: RelayDataApiServer[] = [];
after(() => Promise.all(servers.map((s) => s.stop())));

const SECRET = 'p4th-k3y';
const bid = (slot: number, n: number, value = '1'): BidTrace => ({
  slot: String(slot), parent_hash: `0x${'1'.repeat(64)}`, block_hash: `0x${(slot * 10 + n).toString(16).padStart(64, '0')}`,
  builder_pubkey: `0x${'b'.repeat(96)}`, proposer_pubkey: `0x${'c'.repeat(96)}`, proposer_fee_recipient: `0x${'d'.repeat(40)}`,
  gas_limit: '30000000', gas_used: '21000', value, block_number: String(100 + slot), num_tx: '1',
});

async function server(payloads: BidTrace[]) {
  const s = new RelayDataApiServer({ keyPath: `/${SECRET}` });
  servers.push(s);
  await s.start();
  s.payloads = payloads;
  return s;
}

test('deliveredBetween walks pages down with the cursor; a slot with two deliveries split across pages loses neither', async () => {
  const s = await server([bid(10, 0), bid(11, 0), bid(12, 0), bid(12, 1), bid(13, 0), bid(15, 0), bid(30, 0), bid(2, 0)]);
  const api = new RelayDataApi(s.url);
  const got = await api.deliveredBetween(10, 20, { limit: 2 });
  assert.deepEqual(got.payloads.map((p) => `${p.slot}/${p.block_hash.slice(-2)}`).sort(), ['10/64', '11/6e', '12/78', '12/79', '13/82', '15/96']);
  assert.equal(got.complete, true);
  const cursors = s.requests.map((q) => q.get('cursor'));
  assert.deepEqual(cursors, ['20', '13', '12', '11', '10']);
  assert.ok(s.requests.every((q) => q.get('limit') === '2' && q.get('slot') === null));
  assert.equal(got.pages, 5);
});

test('the page size is capped at the spec maximum of 200', async () => {
  const s = await server([bid(5, 0)]);
  await new RelayDataApi(s.url).deliveredPage({ cursor: 9, limit: 1000 });
  assert.equal(s.requests[0].get('limit'), '200');
});

test('429 → RateLimitExceeded with its Retry-After; 500 → RpcError; malformed → RpcError; refused → ConnectionLost; never the key', async () => {
  const s = await server([bid(5, 0)]);
  const api = new RelayDataApi(s.url);
  s.failNext = { status: 429, count: 1, retryAfter: '3' };
  const e429 = await api.deliveredPage({ cursor: 9, limit: 2 }).catch((e) => e);
  assert.ok(e429 instanceof ClassifiedError);
  assert.equal(e429.reason, 'RateLimitExceeded');
  assert.equal(e429.retryAfterMs, 3000);
  s.failNext = { status: 500, count: 1 };
  const e500 = await api.deliveredPage({ cursor: 9, limit: 2 }).catch((e) => e);
  assert.equal(e500.reason, 'RpcError');
  s.payloads = [{ ...bid(5, 0), value: '1.5' }];
  const bad = await api.deliveredPage({ cursor: 9, limit: 2 }).catch((e) => e);
  assert.equal(bad.reason, 'RpcError');
  assert.match(bad.message, /value must be a decimal string of wei/);
  const port = await freePort();
  const gone = await new RelayDataApi(`http://127.0.0.1:${port}/${SECRET}?key=${SECRET}`).deliveredPage({ limit: 2 }).catch((e) => e);
  assert.equal(gone.reason, 'ConnectionLost');
  for (const e of [e429, e500, bad, gone]) assert.ok(!String(e.message).includes(SECRET), e.message);
});

test('[relay] config: defaults, exact critical value, errors name the key and never echo a URL', () => {
  const c = parseConfigText('[relay]\nurls = ["https://relay.example/abc"]\ncritical_value_eth = 0.1\npage_limit = 50\n').relay!;
  assert.deepEqual(c, { urls: ['https://relay.example/abc'], criticalWei: 100000000000000000n, pollIntervalMs: 12_000, lookbackSlots: 64, pageLimit: 50 });
  assert.throws(() => parseConfigText('[relay]\npage_limit = 500\n'), (e: ConfigError) => e.key === 'relay.page_limit' && /from 1 to 200/.test(e.message));
  assert.throws(() => parseConfigText('[relay]\ncritical_value_eth = "lots"\n'), (e: ConfigError) => e.key === 'relay.critical_value_eth');
  assert.throws(() => parseConfigText('[relay]\nurl = "x"\n'), (e: ConfigError) => e.key === 'relay.url' && /known keys of \[relay\]/.test(e.message));
  assert.throws(() => parseConfigText(`[relay]\nurls = ["ftp://relay.example/${SECRET}"]\n`), (e: ConfigError) => e.key === 'relay.urls[0]' && !e.message.includes(SECRET));
  assert.equal(parseConfigText('').relay, undefined);
});

test('alert text of a missed payload: the seed lines, then the payload and the value lost', () => {
  const r = payloadRecord(
    { slot: 17, parent_hash: `0x${'1'.repeat(64)}`, block_hash: `0x${'a'.repeat(64)}`, builder_pubkey: `0x${'b'.repeat(96)}`, proposer_pubkey: `0x${'c'.repeat(96)}`, proposer_fee_recipient: `0x${'d'.repeat(40)}`, gas_limit: 1, gas_used: 1, value: '2500000000000000000', block_number: 42 },
    { status: 'missed' },
    { relay: 'relay.example:443', source: 'n:1', genesisTime: 1_700_000_000, secondsPerSlot: 12, detectedAt: 1_700_000_300, criticalWei: 10n ** 18n },
  )!;
  const lines = formatAlertMessage(r, { length: 1, fromBlock: 42, toBlock: 42 }).split('\n');
  assert.equal(lines[0], '🚨 ALERT: Critical missed block 42 detected!');
  assert.equal(lines.length, 8);
  assert.equal(lines[6], 'Payload: 2.5 ETH delivered by relay relay.example:443 for slot 17; slot 17 has no block');
  assert.equal(lines[7], 'Value lost: 1 missed payload, 2.5 ETH');
});
