// Missed slots from a REAL beacon node (Lodestar 1.5.1 dev chain: 8 genesis validators, 2 s slots,
// 8 slots per epoch). Validators 0..5 run in one validator process, 6..7 in another that the test
// starts and kills. The test watches the node on its own (test/helpers/lodestar.ts NodeObserver:
// header status of every slot, proposer duty of every slot) and compares with the records.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { guardProcess } from '../helpers/guard';
import { newDevChain, NodeObserver, ports, stopAllChains } from '../helpers/lodestar';
import { removeDir, startService, type Running } from '../helpers/service';
import { waitFor } from '../helpers/wait';
import type { BeaconStatus } from '../../src/node/beacon/beaconSource';
import { buildReportAsync } from '../../src/core/report';
import { readRecordBatches } from '../../src/node/log/reader';
import { ReportCache } from '../../src/node/api/reportCache';
import { loggedHead } from '../../src/node/checkpoint';

guardProcess();
const runs: Running[] = [];
const observers: NodeObserver[] = [];
after(async () => {
  for (const o of observers) o.stop();
  for (const r of runs) {
    await r.stop();
    removeDir(r.dir);
  }
  await stopAllChains();
});

const SLOT_MS = 2_000;

test('validators 0..5 of 8 running: every slot the node answers 404 for is one missed_slot record with the duty proposer; starting and killing 6..7 moves the misses', async () => {
  const started = Date.now();
  const chain = newDevChain({ genesisTime: Math.floor(Date.now() / 1000) + 14 });
  const [rest, p2p] = await ports();
  const bn = chain.beaconNode('bn', rest, p2p);
  await bn.startAndWait();
  const vcA = chain.validator('vc-0-5', bn, '0..5');
  const vcB = chain.validator('vc-6-7', bn, '6..7');
  vcA.start();

  const obs = new NodeObserver(bn.url, chain.genesisTime);
  observers.push(obs);
  obs.start();
  const run = await startService({ urls: [], options: { beacon: { url: bn.url, watched: { indices: new Set([6]), pubkeys: new Set() } } } });
  runs.push(run);
  const beaconStates: BeaconStatus[] = [];
  run.svc.on('beacon', (s) => beaconStates.push(s));
  // The current streak as each missed slot is recorded (it is open then).
  let openSeen = 0;
  run.svc.on('record', (r, change) => {
    if (change === 'new' && r.kind === 'missed_slot') openSeen = Math.max(openSeen, run.svc.getStats().current_streak);
  });

  // Slots whose duty was 6 or 7 and that the test saw settled, from a slot on.
  const sixSeven = (from: number, status: 200 | 404) => [...obs.status].filter(([s, st]) => s >= from && st === status && [6, 7].includes(obs.duty.get(s) ?? -1)).map(([s]) => s);
  const bound = (slots: number) => ({ timeoutMs: slots * SLOT_MS + 20_000, intervalMs: 250 });

  // Phase 1: 6..7 offline. Two of their slots missed.
  await waitFor('two slots of validators 6/7 missed with 6..7 offline', () => sixSeven(1, 404).length >= 2, bound(40));
  const vcBStartSlot = obs.currentSlot();
  vcB.start();
  // Phase 2: 6..7 running. Two of their slots (a slot after the start, to let it connect) get blocks.
  const phase2From = vcBStartSlot + 3;
  await waitFor('two slots of validators 6/7 with blocks once 6..7 run', () => sixSeven(phase2From, 200).length >= 2, bound(40));
  const killSlot = obs.currentSlot();
  await vcB.kill('SIGKILL');
  // Phase 3: killed again. Two of their slots missed.
  const phase3From = killSlot + 1;
  await waitFor('two slots of validators 6/7 missed after the kill', () => sixSeven(phase3From, 404).length >= 2, bound(40));
  await waitFor('at least 3 epochs observed', () => obs.head >= 26, bound(30));

  // The final truth: every slot below the head asked again, then the records must match it.
  const last = obs.head - 1;
  await obs.recheck(1, last);
  const missed = obs.missed(1, last);
  const missedSlots = () => run.events.filter((e) => e.r.kind === 'missed_slot' && e.change === 'new');
  await waitFor(`a missed_slot record for each of the 404 slots ${missed.join(',')}`, () => missed.every((s) => missedSlots().some((e) => e.r.beacon_slot === s)), { timeoutMs: 15_000 }).catch((e: Error) => {
    throw new Error(`${e.message}; recorded ${missedSlots().map((x) => x.r.beacon_slot).join(',')}; states ${beaconStates.map((x) => x.state).join(' → ')}; warnings ${run.warnings.join(' | ')}`);
  });
  await run.svc.flush();

  const recorded = missedSlots().map((e) => e.r);
  const inRange = recorded.filter((r) => r.beacon_slot! <= last);
  assert.deepEqual(inRange.map((r) => r.beacon_slot).sort((a, b) => a! - b!), missed, 'one record per 404 slot, none for a slot with a block');
  // Records for slots past `last` (judged meanwhile) must be 404 on the node too.
  for (const r of recorded.filter((x) => x.beacon_slot! > last)) assert.equal(await obs.headerStatus(r.beacon_slot!), 404, `slot ${r.beacon_slot} recorded but the node has a block`);
  for (const r of inRange) {
    const duty = obs.duty.get(r.beacon_slot!);
    assert.notEqual(duty, undefined, `the test knows the duty of slot ${r.beacon_slot}`);
    assert.equal(r.proposer_index, duty, `slot ${r.beacon_slot}: proposer_index is the duty's validator`);
    assert.match(r.proposer_pubkey ?? '', /^0x[0-9a-f]{96}$/);
    assert.equal(r.slot, r.beacon_slot);
    assert.equal(r.expected_timestamp, chain.genesisTime + 2 * r.beacon_slot!);
    assert.equal(r.severity, r.proposer_index === 6 ? 'High' : 'Low', `slot ${r.beacon_slot}: watched proposer 6 is High, others Low`);
    assert.equal(r.reason, 'Unknown');
  }

  // Where the misses are: after the validators' first slots, only 6/7 miss, and only while offline.
  const settled = 4;
  for (const s of missed.filter((x) => x >= settled)) assert.ok([6, 7].includes(obs.duty.get(s)!), `slot ${s} (duty ${obs.duty.get(s)}) missed though its validator runs`);
  const phase2 = missed.filter((s) => s >= phase2From && s < killSlot);
  assert.deepEqual(phase2, [], 'no slot missed while 6..7 ran');
  assert.ok(missed.filter((s) => s < vcBStartSlot).length >= 2);
  assert.ok(missed.filter((s) => s >= phase3From).length >= 2);
  assert.ok(!beaconStates.some((s) => s.state === 'down' || s.state === 'syncing'), `node stayed up and synced: ${JSON.stringify(beaconStates)}`);
  assert.equal(run.warnings.filter((w) => /not judged/.test(w)).length, 0);

  const byProposer = new Map<number, number>();
  for (const r of recorded) byProposer.set(r.proposer_index!, (byProposer.get(r.proposer_index!) ?? 0) + 1);

  // Missed slots per watched proposer: validator 6 by name with the count the test sees from the
  // node's own duties, every other proposer summed; /stats (live) and the log's report agree.
  const sixes = recorded.filter((r) => obs.duty.get(r.beacon_slot!) === 6).length;
  const expected = { watched: sixes ? [[6, sixes]] : [], other: recorded.length - sixes };
  const shape = (p: { watched: { proposer_index: number; missed_slots: number }[]; other: number } | undefined) => p && { watched: p.watched.map((w) => [w.proposer_index, w.missed_slots]), other: p.other };
  assert.ok(sixes >= 1, 'validator 6 missed at least one slot while offline');
  assert.deepEqual(shape(run.svc.getStats().missed_slots_by_proposer), expected, '/stats: missed slots per watched proposer');
  const fromLog = await buildReportAsync(readRecordBatches([run.logPath]));
  assert.deepEqual(shape(fromLog.missed_slots_by_proposer), expected, 'mbm report of the log: the same');

  // Beacon node alone (no RPC): a streak of missed slots ends when the chain moves on.
  await waitFor('the current streak back to 0 once a block lands past the missed slots', () => run.svc.getStats().current_streak === 0, bound(12));
  assert.ok(openSeen >= 1, `a streak was current when its missed slot was recorded (${openSeen})`);
  // Offline (`mbm report`, /report, the tree after Stop): the log's checkpoint holds the beacon head, so they agree.
  await waitFor('the log\'s report agreeing with the live monitor (current 0)', async () => {
    await run.svc.flush();
    await run.svc.checkpoint!.flush();
    return run.svc.getStats().current_streak === 0 && (await new ReportCache([run.logPath]).get()).current_streak === 0;
  }, bound(12));
  assert.ok(((await loggedHead([run.logPath])) ?? -1) >= Math.max(...recorded.map((r) => r.block_number)) + 2, 'the checkpoint holds a head past the missed slots');
  assert.ok(run.svc.getStats().longest_streak >= 1);
  console.log(
    `# figures: slots observed 1..${last} (${last} slots, ${Math.floor(last / 8)} epochs), 404 slots ${missed.length} [${missed.join(',')}], missed_slot records ${recorded.length} (in range ${inRange.length}), by proposer ${JSON.stringify(Object.fromEntries(byProposer))}, 6..7 started at slot ${vcBStartSlot}, killed at slot ${killSlot}, test ${Math.round((Date.now() - started) / 1000)} s`,
  );
});
