// RelayWatcher with a scripted beacon side (the real one is tested against Lodestar in
// test/integration/relay-payloads.test.ts) and the loopback relay: records only for payloads that
// did not land, a failing beacon node is a classified 'down' then 'up', stop() ends the loop.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassifiedError } from '../../src/node/chain/errors';
import type { SlotContent } from '../../src/core/payloads';
import type { MissedBlock } from '../../src/core/model';
import { RelayWatcher, type RelayStatus } from '../../src/node/relay/watcher';
import type { SlotBlocks } from '../../src/node/relay/slotBlocks';
import { RelayDataApiServer, type BidTrace } from '../peers/relayDataApi';
import { waitFor } from '../helpers/wait';

const servers: RelayDataApiServer[] = [];
const watchers: RelayWatcher[] = [];
after(async () => {
  await Promise.all(watchers.map((w) => w.stop()));
  await Promise.all(servers.map((s) => s.stop()));
});

const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const bid = (slot: number, blockHash: string, value: string): BidTrace => ({
  slot: String(slot), parent_hash: hash(1), block_hash: blockHash, builder_pubkey: `0x${'b'.repeat(96)}`, proposer_pubkey: `0x${'c'.repeat(96)}`,
  proposer_fee_recipient: `0x${'d'.repeat(40)}`, gas_limit: '30000000', gas_used: '21000', value, block_number: String(slot), num_tx: '1',
});

class ScriptedBeacon implements SlotBlocks {
  readonly label = 'beacon.test:5052';
  failing = false;
  head = 20;
  asked: number[] = [];
  constructor(private readonly chain: Map<number, SlotContent>) {}
  async clock() {
    return { genesisTime: 1000, secondsPerSlot: 2 };
  }
  async headSlot() {
    if (this.failing) throw new ClassifiedError('ConnectionLost', 'beacon beacon.test:5052: connect ECONNREFUSED');
    return this.head;
  }
  async syncing() {
    return false;
  }
  async slot(s: number) {
    this.asked.push(s);
    return this.chain.get(s) ?? { block: false };
  }
}

test('missed and replaced payloads become records, landed ones do not; beacon down → ConnectionLost, then up; nothing twice', async () => {
  const chain = new Map<number, SlotContent>([
    [5, { block: true, executionBlockHash: hash(500), executionBlockNumber: 5 }],
    [7, { block: true, executionBlockHash: hash(700), executionBlockNumber: 7 }],
  ]);
  const beacon = new ScriptedBeacon(chain);
  const relay = new RelayDataApiServer();
  servers.push(relay);
  await relay.start();
  relay.payloads = [bid(5, hash(500), '10'), bid(6, hash(600), '20'), bid(7, hash(701), '30'), bid(25, hash(2500), '40')];
  const w = new RelayWatcher({ urls: [relay.url], criticalWei: 25n, slotBlocks: beacon, source: 'node:8545', pollIntervalMs: 50, pageLimit: 2, backoff: { initialMs: 20, maxMs: 50 } });
  watchers.push(w);
  const records: MissedBlock[] = [];
  const statuses: RelayStatus[] = [];
  w.on('record', (r) => records.push(r));
  w.on('status', (s) => statuses.push(s));
  w.start();
  await waitFor('two records', () => records.length >= 2);
  assert.deepEqual(records.map((r) => [r.beacon_slot, r.payload_value_wei, r.severity, r.metadata.outcome, r.metadata.replaced_by ?? null]), [
    [6, '20', 'High', 'no_block', null],
    [7, '30', 'Critical', 'replaced', hash(700)],
  ]);
  assert.equal(records[0].expected_timestamp, 1000 + 6 * 2);
  assert.ok(!beacon.asked.includes(25), 'slot 25 is beyond the head: not judged yet');
  beacon.failing = true;
  await waitFor('down', () => statuses.some((s) => s.state === 'down'));
  const down = statuses.find((s) => s.state === 'down') as Extract<RelayStatus, { state: 'down' }>;
  assert.equal(down.reason, 'ConnectionLost');
  assert.equal(down.relay, `127.0.0.1:${relay.port}`);
  beacon.failing = false;
  await waitFor('up', () => statuses.some((s) => s.state === 'up'));
  const polled = relay.requests.length;
  await waitFor('more polls', () => relay.requests.length >= polled + 4);
  assert.equal(records.length, 2, 'rescans write nothing twice');
  await w.stop();
});
