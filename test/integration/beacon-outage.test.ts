// A REAL beacon node (Lodestar 1.5.1) killed with SIGKILL and restarted while the monitor follows
// it: the outage is a ConnectionLost status, the node comes back (syncing from its peer, then
// synced), and the missed slots before, during and after the outage are each recorded exactly
// once. Node A (validators 0..5 in their own process) keeps the chain going; node B, its peer, is
// the one watched and killed. The truth is what node A answers for each slot's header.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { guardProcess } from '../helpers/guard';
import { newDevChain, NodeObserver, ports, stopAllChains, headOf } from '../helpers/lodestar';
import { readLog, removeDir, startService, type Running } from '../helpers/service';
import { waitFor } from '../helpers/wait';
import type { BeaconStatus } from '../../src/node/beacon/beaconSource';

guardProcess();
const runs: Running[] = [];
const observers: NodeObserver[] = [];
const timers: NodeJS.Timeout[] = [];
after(async () => {
  for (const t of timers) clearInterval(t);
  for (const o of observers) o.stop();
  for (const r of runs) {
    await r.stop();
    removeDir(r.dir);
  }
  await stopAllChains();
});

test('beacon node killed and restarted: ConnectionLost, then back and synced, every missed slot recorded once, nothing doubled', async () => {
  const started = Date.now();
  const chain = newDevChain({ genesisTime: Math.floor(Date.now() / 1000) + 14 });
  const [restA, p2pA] = await ports();
  const [restB, p2pB] = await ports();
  const a = chain.beaconNode('a', restA, p2pA);
  const b = chain.beaconNode('b', restB, p2pB);
  await a.startAndWait();
  chain.validator('vc-0-5', a, '0..5').start();
  await b.startAndWait();
  const truth = new NodeObserver(a.url, chain.genesisTime);
  observers.push(truth);
  truth.start();
  // Peers only once A has blocks: two nodes both at slot 0 take each other for stalled and never start.
  await waitFor('node A at slot 2', () => truth.head >= 2, { timeoutMs: 40_000, intervalMs: 250 });
  await b.connectTo(a);

  // Grace of three 2-s slots: node B hears A's blocks by gossip, and on a loaded machine its import can
  // trail a slot's end by more than one slot; judging by the clock is for slots with no later block.
  const run = await startService({ urls: [], options: { beacon: { url: b.url, graceSec: 6 } } });
  runs.push(run);
  const states: BeaconStatus[] = [];
  run.svc.on('beacon', (s) => states.push(s));
  const missedEvents = () => run.events.filter((e) => e.r.kind === 'missed_slot' && e.change === 'new').map((e) => e.r);
  // The monitor judges the slots after the head B had when it first answered: compare from B's head read after that.
  await waitFor('the first sync state of node B', () => states.some((s) => s.state === 'synced' || s.state === 'syncing'), { timeoutMs: 15_000 });
  const from = (await headOf(b.url)) + 1;

  await waitFor('node B at slot 10 with a missed slot recorded', async () => (await headOf(b.url).catch(() => 0)) >= 10 && missedEvents().length >= 1, { timeoutMs: 60_000, intervalMs: 500 });
  const killedAt = truth.currentSlot();
  const killT = Date.now();
  await b.kill('SIGKILL');
  await waitFor('status down ConnectionLost', () => states.some((s) => s.state === 'down' && s.reason === 'ConnectionLost'), { timeoutMs: 15_000 });
  const downAfterMs = Date.now() - killT;
  // Node B stays down while node A makes 4 more slots.
  await waitFor('node A 4 slots further', () => truth.head >= killedAt + 4, { timeoutMs: 30_000, intervalMs: 250 });
  const restartedAt = truth.currentSlot();
  await b.startAndWait();
  await b.connectTo(a);
  // Discovery is off: should B drop its only peer, dial A again (a node without peers stays behind).
  const redial = setInterval(() => {
    void fetch(`${b.url}/eth/v1/node/peer_count`)
      .then((r) => r.json() as Promise<{ data: { connected: string } }>)
      .then((p) => (p.data.connected === '0' ? b.connectTo(a) : undefined))
      .catch(() => undefined);
  }, 3_000);
  timers.push(redial);
  const upIndex = await waitFor('status up after the restart', () => {
    const i = states.findIndex((s, j) => s.state === 'up' && states.slice(0, j).some((x) => x.state === 'down'));
    return i >= 0 ? i : undefined;
  }, { timeoutMs: 30_000 });
  await waitFor('node B synced again (and its head past the restart)', async () => states.slice(upIndex).some((s) => s.state === 'synced') && (await headOf(b.url).catch(() => 0)) >= restartedAt + 2, { timeoutMs: 40_000, intervalMs: 500 });
  const backMs = Date.now() - killT;
  // Eight more slots after it is back (one missed), then compare with node A's answers.
  await waitFor('eight slots after the restart, one of them missed', () => truth.head >= truth.currentSlot() - 1 && truth.head >= restartedAt + 8 && truth.missed(restartedAt + 1, truth.head - 2).length > 0, { timeoutMs: 70_000, intervalMs: 250 });
  const last = truth.head - 2;
  await truth.recheck(from, last);
  const missed = truth.missed(from, last);
  await waitFor('records for every 404 slot', () => missed.every((s) => missedEvents().some((r) => r.beacon_slot === s)), { timeoutMs: 20_000 }).catch((e: Error) => {
    throw new Error(`${e.message}: 404 slots ${missed.join(',')}; recorded ${missedEvents().map((r) => r.beacon_slot).join(',')}; states ${states.map((x) => x.state).join(' → ')}; killed at ${killedAt}, restarted at ${restartedAt}; warnings ${run.warnings.join(' | ')}`);
  });
  await run.svc.flush();

  const inRange = missedEvents().filter((r) => r.beacon_slot! >= from && r.beacon_slot! <= last);
  for (const r of missedEvents().filter((x) => x.beacon_slot! < from || x.beacon_slot! > last)) assert.equal(await truth.headerStatus(r.beacon_slot!), 404, `slot ${r.beacon_slot} recorded but node A has a block`);
  assert.deepEqual(inRange.map((r) => r.beacon_slot).sort((x, y) => x! - y!), missed, 'each missed slot once, before, during and after the outage; none for a slot with a block');
  const logged = readLog(run.logPath).filter((r) => r.kind === 'missed_slot' && r.beacon_slot! >= from && r.beacon_slot! <= last);
  // A record is written again only when it changes (readers keep the last): never the same line twice.
  const lines = logged.map((r) => JSON.stringify(r));
  assert.equal(new Set(lines).size, lines.length, `no line written twice:\n${lines.join('\n')}`);
  assert.deepEqual([...new Set(logged.map((r) => r.beacon_slot))].sort((x, y) => x! - y!), missed, 'the log holds each missed slot');
  for (const r of inRange) if (truth.duty.has(r.beacon_slot!)) assert.equal(r.proposer_index, truth.duty.get(r.beacon_slot!), `slot ${r.beacon_slot}`);
  assert.ok(missedEvents().some((r) => r.beacon_slot! < killedAt), 'a slot missed before the outage');
  assert.ok(missed.some((s) => s > restartedAt), 'a slot missed after it');
  const seq = states.map((s) => s.state);
  assert.ok(seq.indexOf('down') > 0 && seq.lastIndexOf('synced') > seq.indexOf('down'), `states: ${seq.join(' → ')}`);
  assert.ok(run.statuses.some((s) => s.state === 'down' && s.reason === 'ConnectionLost'), 'followed alone, the beacon node is the service status too');
  const during = missed.filter((s) => s >= killedAt && s <= restartedAt);
  console.log(
    `# figures: slots ${from}..${last}, 404 slots ${missed.length} [${missed.join(',')}] (${during.length} during the outage), missed_slot records ${inRange.length}, logged ${logged.length}; killed at slot ${killedAt}, restarted at ${restartedAt}; ConnectionLost after ${downAfterMs} ms, synced again ${Math.round(backMs / 1000)} s after the kill; states ${seq.join(' → ')}; test ${Math.round((Date.now() - started) / 1000)} s`,
  );
});
