// The block time from the chain when expected_block_time is not set: a preset by eth_chainId
// (anvil --chain-id 10 is OP Mainnet: 2 s slots), else the median interval measured over the first
// blocks (anvil --chain-id 424242 --block-time 3). /health says which is in use and where it came from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAnvil } from '../helpers/anvil';
import { mineAt, mineSteady, startService, type Running } from '../helpers/service';
import { serviceRuns } from '../helpers/serviceRuns';
import { waitFor } from '../helpers/wait';
import { startLiveApi } from '../../src/node/api/liveProvider';

const { runs, apis } = serviceRuns();

async function health(run: Running): Promise<Record<string, unknown>> {
  const api = await startLiveApi(run.svc, { host: '127.0.0.1', port: 0 });
  apis.push(api);
  const res = await fetch(`${api.url}/health`);
  return ((await res.json()) as { block_time: Record<string, unknown> }).block_time;
}

test('anvil --chain-id 10 --block-time 2 is OP Mainnet: 2 s slots, and three empty slots are three exact missed_slot records', async () => {
  const node = await startAnvil({ chainId: 10, blockTime: 2 });
  // Blocks by hand at exact timestamps (2 s apart, ahead of the wall clock) so only the induced gap counts.
  await node.setIntervalMining(0);
  const t = 2 * Math.ceil((Date.now() / 1000 + 30) / 2);
  const start = await mineAt(node, t);
  const run = await startService({ urls: [node.wsUrl], monitoring: { expectedBlockTimeExplicit: false, alertThreshold: 100 } });
  runs.push(run);
  await run.head(start);
  assert.equal(await mineSteady(node, 2, 2), start + 2);
  await run.head(start + 2);
  assert.deepEqual(run.svc.blockTimeInUse(), { ms: 2000, source: 'preset', slots: true, chainId: 10, chain: 'OP Mainnet' });
  // Slots t+6, t+8, t+10 empty: the next block at t+12.
  assert.equal(await mineAt(node, t + 12), start + 3);
  await run.until('three missed slots', (rs) => rs.length === 3);
  const slots = run.of('missed_slot');
  assert.deepEqual(
    slots.map((r) => `${r.block_number} ${r.kind} ${r.reason} slot ${r.slot} expected ${r.expected_timestamp}`),
    [t / 2 + 3, t / 2 + 4, t / 2 + 5].map((s) => `${start + 3} missed_slot Unknown slot ${s} expected ${s * 2}`),
  );
  assert.ok(slots.every((r) => r.chain_id === 10 && r.severity === 'High'));
  assert.deepEqual(await health(run), { ms: 2000, source: 'preset', missed_slots: true, chain_id: 10, chain: 'OP Mainnet' });
  assert.equal(run.latest().length, 3, 'nothing else was recorded');
});

test('anvil --chain-id 424242 --block-time 3, an unknown chain: 3 s measured, said once, shown in /health', { timeout: 120_000 }, async (t) => {
  const node = await startAnvil({ chainId: 424242, blockTime: 3 });
  const run = await startService({ urls: [node.wsUrl], monitoring: { expectedBlockTimeExplicit: false, maxBlockDelayMs: 30_000 } });
  runs.push(run);
  const said = await waitFor(() => run.notices.find((n) => n.startsWith('block time measured')), { timeoutMs: 80_000, intervalMs: 250, what: 'the measurement' });
  assert.match(said, /^block time measured: 3 s over \d+ blocks; set expected_block_time to fix it$/);
  t.diagnostic(said);
  const inUse = run.svc.blockTimeInUse();
  assert.deepEqual({ ms: inUse.ms, source: inUse.source, slots: inUse.slots, chainId: inUse.chainId }, { ms: 3000, source: 'measured', slots: true, chainId: 424242 });
  assert.deepEqual(run.svc.monitor.blockTime(), { ms: 3000, slots: true });
  const h = await health(run);
  assert.deepEqual({ ms: h.ms, source: h.source, missed_slots: h.missed_slots, chain_id: h.chain_id }, { ms: 3000, source: 'measured', missed_slots: true, chain_id: 424242 });
  assert.equal(h.measured_over_blocks, inUse.measuredOver);
  assert.equal(run.notices.filter((n) => n.startsWith('block time measured')).length, 1);
  assert.deepEqual(run.of('missed_slot'), [], 'no false missed slots while measuring or after');
});
