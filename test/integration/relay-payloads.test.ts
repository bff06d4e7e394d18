// Delivered payloads checked against a REAL beacon node: Lodestar 1.5.1 (dev chain, 8 validators of
// which 0..5 run, so the slots of proposers 6 and 7 — and the first slots while the validators start —
// have no block; Bellatrix from genesis with the mock execution engine, so every block carries an
// execution payload). The relay's Data API is the loopback server of test/peers/relayDataApi.ts
// (no relay can run here; it follows the public spec's shapes). The test reads the node's slots
// itself and feeds the relay: payloads for slots that got blocks (with the block's real execution
// hash: they landed), for slots that were missed, and one for a slot whose block carries another
// execution payload ("another block won"). `mbm watch --relay --beacon` must log `payload_missed`
// for exactly the missed and replaced ones, with their exact wei, page through the Data API with a
// cursor (page size 2), classify a 429 as RateLimitExceeded and a dead beacon node as
// ConnectionLost, keep the relay's key out of everything, and write nothing twice after a restart.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, startAnvil, stopAllAnvils } from '../helpers/anvil';
import { get, promtoolCheck } from '../helpers/http';
import { cliArgs, ROOT, spawnMbm } from '../helpers/cli';
import { beaconGet, headSlot, MOCK_EL_GENESIS_HASH, newDevChain, ports, stopAllChains, type LodestarBeacon } from '../helpers/lodestar';
import { waitFor } from '../helpers/wait';
import { RelayDataApiServer, type BidTrace } from '../peers/relayDataApi';

const run = promisify(execFile);
const dirs: string[] = [];
const running = new Set<ChildProcess>();
const relays: RelayDataApiServer[] = [];
after(async () => {
  for (const c of running) c.kill('SIGKILL');
  await stopAllChains();
  await Promise.all(relays.map((r) => r.stop()));
  await stopAllAnvils();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SECRET = 'k3y-s3cr3t-0123';
const BUILDER = `0x${'b1'.repeat(48)}`;
const PROPOSER = `0x${'c2'.repeat(48)}`;
const FEE_RECIPIENT = `0x${'aa'.repeat(20)}`;
/** Values of the payloads delivered for missed slots, and for the slot another block won. */
const MISSED_VALUES = ['1500000000000000000', '250000000000000001', '123456789012345678901'];
const REPLACED_VALUE = '777';
/** 1500000000000000000 + 250000000000000001 + 123456789012345678901 + 777 */
const VALUE_LOST_WEI = '125206789012345679679';

interface SlotSeen {
  slot: number;
  hash?: string;
  number?: number;
}

/** What the node holds at each slot 1..to, read by the test itself. */
async function readSlots(node: LodestarBeacon, to: number): Promise<SlotSeen[]> {
  const out: SlotSeen[] = [];
  for (let s = 1; s <= to; s++) {
    const h = await beaconGet(node, `/eth/v1/beacon/headers/${s}`);
    if (h === null) {
      out.push({ slot: s });
      continue;
    }
    const b = (await beaconGet(node, `/eth/v2/beacon/blocks/${s}`)) as { data: { message: { body: { execution_payload: { block_hash: string; block_number: string } } } } };
    const p = b.data.message.body.execution_payload;
    out.push({ slot: s, hash: p.block_hash, number: Number(p.block_number) });
  }
  return out;
}

function trace(slot: number, blockHash: string, parentHash: string, blockNumber: number, value: string): BidTrace {
  return {
    slot: String(slot),
    parent_hash: parentHash,
    block_hash: blockHash,
    builder_pubkey: BUILDER,
    proposer_pubkey: PROPOSER,
    proposer_fee_recipient: FEE_RECIPIENT,
    gas_limit: '30000000',
    gas_used: '21000',
    value,
    block_number: String(blockNumber),
    num_tx: '1',
  };
}

const fakeHash = (slot: number) => `0x${slot.toString(16).padStart(64, 'e')}`;

describe('relay Data API payloads against a real Lodestar node', () => {
  test('payload_missed exactly for the delivered-but-missed and replaced payloads; value lost sums; cursor paging; 429 classified; no key leaks; nothing doubled on restart', { timeout: 420_000 }, async (t) => {
    // Validators 0..5 in the node's process; genesis 20 s ahead (validators starting after the first epoch would stall it).
    const chain = newDevChain({ genesisTime: Math.floor(Date.now() / 1000) + 20, executionPayloads: true });
    const [rest, p2p] = await ports();
    const node = chain.beaconNode('bn', rest, p2p, { startValidators: '0..5' });
    await node.startAndWait(60_000);
    // Enough history: at least 3 missed slots and 5 with blocks (bounded: ~25 % of slots miss).
    let slots: SlotSeen[] = [];
    await waitFor('3 missed and 5 landed slots on the node', async () => {
      const head = await headSlot(node);
      slots = await readSlots(node, head - 1);
      return slots.filter((s) => !s.hash).length >= 3 && slots.filter((s) => s.hash).length >= 5 ? true : undefined;
    }, { timeoutMs: 150_000, intervalMs: 2_000 });

    const missed = slots.filter((s) => !s.hash).slice(0, 3);
    const landed = slots.filter((s) => s.hash);
    const replacedSlot = landed[landed.length - 1];
    const fixtures: BidTrace[] = [];
    const parentOf = (slot: number) => {
      const before = landed.filter((s) => s.slot < slot);
      const last = before[before.length - 1];
      return { hash: last?.hash ?? MOCK_EL_GENESIS_HASH, number: last?.number ?? 0 };
    };
    missed.forEach((s, i) => {
      const p = parentOf(s.slot);
      fixtures.push(trace(s.slot, fakeHash(s.slot), p.hash, p.number + 1, MISSED_VALUES[i]));
    });
    for (const s of landed.slice(0, 4)) fixtures.push(trace(s.slot, s.hash!, parentOf(s.slot).hash, s.number!, '999000000000000000'));
    fixtures.push(trace(replacedSlot.slot, fakeHash(replacedSlot.slot), parentOf(replacedSlot.slot).hash, replacedSlot.number!, REPLACED_VALUE));
    assert.ok(fixtures.length >= 8, 'more payloads than one page of 2');

    const relay = new RelayDataApiServer({ keyPath: `/${SECRET}` });
    relays.push(relay);
    await relay.start();
    relay.payloads = fixtures;
    relay.failNext = { status: 429, count: 1, retryAfter: '0' };

    const anvil = await startAnvil({ blockTime: 1 });
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-relay-'));
    dirs.push(dir);
    const log = path.join(dir, 'missed_blocks.jsonl');
    const config = path.join(dir, 'mbm.toml');
    writeFileSync(
      config,
      '[monitoring]\nexpected_block_time = 1\nmax_block_delay = 600\n[logging]\nbatch_size = 1\nenable_console_logging = false\n' +
        '[relay]\npage_limit = 2\npoll_interval = 1\nlookback_slots = 64\ncritical_value_eth = 1\n',
    );
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    const args = ['watch', '--rpc', anvil.url, '--config', config, '--log', log, '--checkpoint', path.join(dir, 'cp.json'), '--relay', relay.url, '--beacon', node.url];
    const env = { ...process.env, NO_COLOR: '1', MBM_API_TOKEN: '' };
    const startedAt = Date.now();
    const mbm = spawnMbm([...args, '--listen', `127.0.0.1:${port}`], { env, running });

    const relayLabel = `127.0.0.1:${relay.port}`;
    const stats = await waitFor('/stats value_lost.count = 4', async () => {
      const r = await get(`${api}/stats`);
      const s = r.status === 200 ? JSON.parse(r.body) : undefined;
      return s?.value_lost?.count === 4 ? s : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500 });
    const detectedMs = Date.now() - startedAt;
    // One more whole poll (every page again) must add nothing.
    const seen = relay.requests.length;
    await waitFor('another poll of the relay', () => relay.requests.length >= seen + 4, { timeoutMs: 30_000 });
    const again = JSON.parse((await get(`${api}/stats`)).body);
    assert.deepEqual(again.value_lost, stats.value_lost);
    assert.deepEqual(stats.value_lost, { count: 4, wei: VALUE_LOST_WEI, by_relay: { [relayLabel]: { count: 4, wei: VALUE_LOST_WEI } } });
    assert.equal(stats.by_kind.payload_missed, 4);

    const metrics = (await get(`${api}/metrics`)).body;
    assert.match(metrics, new RegExp(`^mev_relay_payloads_missed_total\\{relay="${relayLabel}"\\} 4$`, 'm'));
    const weiLine = new RegExp(`^mev_relay_payload_value_missed_wei_total\\{relay="${relayLabel}"\\} (\\S+)$`, 'm').exec(metrics);
    assert.ok(weiLine, 'value counter present');
    assert.equal(Number(weiLine[1]), Number(VALUE_LOST_WEI), 'float counter equals the exact sum as a float');
    const check = await promtoolCheck(metrics);
    assert.equal(check.code, 0, check.output);

    mbm.child.kill('SIGTERM');
    assert.equal(await mbm.exited, 0, mbm.stderr());

    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const payloadLines = lines.filter((r) => r.kind === 'payload_missed');
    // A record is written again when it changes (alert_sent once an alert went out): readers keep the last.
    const bySlot = new Map(payloadLines.map((r) => [r.beacon_slot, r]));
    assert.equal(bySlot.size, 4, 'one record per missed payload');
    assert.deepEqual([...bySlot.keys()].sort((a, b) => a - b), [...missed.map((s) => s.slot), replacedSlot.slot].sort((a, b) => a - b));
    missed.forEach((s, i) => {
      const r = bySlot.get(s.slot)!;
      assert.equal(r.payload_value_wei, MISSED_VALUES[i]);
      assert.equal(r.block_hash, fakeHash(s.slot));
      assert.equal(r.block_number, parentOf(s.slot).number + 1);
      assert.equal(r.metadata.outcome, 'no_block');
      assert.equal(r.metadata.replaced_by, undefined);
      assert.equal(r.relay, relayLabel);
      assert.equal(r.builder_pubkey, BUILDER);
      assert.equal(r.proposer_pubkey, PROPOSER);
    });
    assert.deepEqual(missed.map((s) => bySlot.get(s.slot)!.severity), ['Critical', 'High', 'Critical']);
    const rep = bySlot.get(replacedSlot.slot)!;
    assert.equal(rep.metadata.outcome, 'replaced');
    assert.equal(rep.metadata.replaced_by, replacedSlot.hash);
    assert.equal(rep.payload_value_wei, REPLACED_VALUE);
    assert.equal(rep.severity, 'High');

    // Paging: every request asked for pages of 2 with a cursor, never slot and cursor together;
    // the first poll after the 429 walked down with strictly decreasing cursors over ≥ 4 pages.
    for (const q of relay.requests) {
      assert.equal(q.get('limit'), '2');
      assert.ok(q.get('cursor') !== null && q.get('slot') === null);
    }
    const firstPoll = relay.requests.slice(1, 5).map((q) => Number(q.get('cursor')));
    for (let i = 1; i < firstPoll.length; i++) assert.ok(firstPoll[i] < firstPoll[i - 1], `cursors decrease: ${firstPoll}`);
    assert.match(mbm.stderr(), new RegExp(`relay check ${relayLabel} failed \\(RateLimitExceeded`));
    // The console alert channel: a Critical missed payload's alert says what was lost.
    assert.match(mbm.stderr(), /^Payload: (1\.5|123\.4567) ETH delivered by relay 127\.0\.0\.1:\d+ for slot \d+; slot \d+ has no block$/m);
    assert.match(mbm.stderr(), /^Value lost: 1 missed payload, (1\.5|123\.4567) ETH$/m);

    const rep1 = await run(process.execPath, [...cliArgs(), 'report', '--json', log], { cwd: ROOT, env });
    const report = JSON.parse(rep1.stdout);
    assert.deepEqual(report.value_lost, { count: 4, wei: VALUE_LOST_WEI, by_relay: { [relayLabel]: { count: 4, wei: VALUE_LOST_WEI } } });
    const text = await run(process.execPath, [...cliArgs(), 'report', log], { cwd: ROOT, env });
    assert.match(text.stdout, /Value lost\s+4 missed payloads, 125\.2067 ETH/);

    for (const out of [readFileSync(log, 'utf8'), mbm.stdout(), mbm.stderr(), metrics, JSON.stringify(stats), rep1.stdout]) assert.ok(!out.includes(SECRET), 'the relay key never shows');

    t.diagnostic(
      `slots 1..${slots.length}: ${slots.filter((x) => !x.hash).length} without a block; ${fixtures.length} payloads fed (3 missed, 4 landed, 1 replaced); ` +
        `value lost ${VALUE_LOST_WEI} wei seen in /stats ${detectedMs} ms after mbm started (incl. process start); ${seen} Data API requests by then (page size 2, first one a 429)`,
    );
    // Restart: the look-back slots are judged again, nothing is written twice.
    const before = relay.requests.length;
    const second = spawnMbm(args, { env, running });
    await waitFor('a full poll after the restart', () => relay.requests.length >= before + 5, { timeoutMs: 60_000 });
    // The beacon node goes away: a classified event naming it (host:port), the monitor keeps running.
    await node.stop();
    await waitFor('the beacon outage reported', () => /relay check 127\.0\.0\.1:\d+ failed \(ConnectionLost: beacon 127\.0\.0\.1:\d+ /.test(second.stderr()), { timeoutMs: 30_000 });
    assert.equal(second.child.exitCode, null, 'still running');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.stderr());
    const after2 = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.kind === 'payload_missed');
    assert.equal(after2.length, payloadLines.length, 'the restart wrote no payload_missed line');
  });
});
