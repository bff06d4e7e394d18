// Detection against a real anvil over WebSocket newHeads: missed slots from timestamp gaps, a
// mining pause (stall timer), and head lag between two nodes. Blocks are mined by hand at exact
// timestamps kept ahead of the wall clock, so nothing but the induced fault can make a record.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAnvil } from '../helpers/anvil';
import { nextEvent } from '../helpers/wait';
import { latestBlock, mineAt, mineSteady, startService } from '../helpers/service';
import { serviceRuns } from '../helpers/serviceRuns';

const { runs } = serviceRuns();

const brief = (rs: { block_number: number; kind?: string; reason: string; slot?: number }[]) =>
  rs.map((r) => `${r.block_number} ${r.kind} ${r.reason}${r.slot !== undefined ? ` slot ${r.slot}` : ''}`);

describe('missed slots from timestamp gaps', () => {
  test('a gap of 2 slots is one missed_slot, a gap of 3 slots two, on the block after the gap', async () => {
    const node = await startAnvil();
    await mineSteady(node, 3);
    const run = await startService({ urls: [node.wsUrl], monitoring: { alertThreshold: 100 } });
    runs.push(run);
    await run.head(3);
    const t3 = (await latestBlock(node)).timestamp;
    assert.equal(await mineAt(node, t3 + 2), 4); // slot t3+1 empty
    await run.until('one missed slot at block 4', (rs) => rs.length === 1);
    assert.equal(await mineAt(node, t3 + 3), 5); // in step again
    assert.equal(await mineAt(node, t3 + 6), 6); // slots t3+4, t3+5 empty
    await run.head(6);
    await run.until('two more missed slots at block 6', (rs) => rs.length === 3);
    const slots = run.of('missed_slot');
    assert.deepEqual(brief(slots), [
      `4 missed_slot Unknown slot ${t3 + 1}`,
      `6 missed_slot Unknown slot ${t3 + 4}`,
      `6 missed_slot Unknown slot ${t3 + 5}`,
    ]);
    assert.deepEqual(slots.map((r) => r.expected_timestamp), [t3 + 1, t3 + 4, t3 + 5]);
    assert.ok(slots.every((r) => r.severity === 'High' && r.chain_id === 31337 && r.source === `127.0.0.1:${node.port}`));
    assert.equal(run.latest().length, 3, 'nothing else was recorded');
  });
});

describe('mining pause', () => {
  test('no new head for longer than max_block_delay is one delayed NetworkLatency record for the next block', async () => {
    const node = await startAnvil();
    // Chain time 30 s ahead of the wall clock: the slot timer stays quiet, only the stall timer speaks.
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    await mineSteady(node, 2);
    const run = await startService({ urls: [node.wsUrl], monitoring: { maxBlockDelayMs: 1_500 } });
    runs.push(run);
    await run.head(3);
    const pausedAt = Date.now();
    const [stall] = await run.until('the stall record', (rs) => rs.length > 0 && rs);
    const waited = Date.now() - pausedAt;
    assert.deepEqual(brief([stall]), ['4 delayed NetworkLatency']);
    assert.equal(stall.severity, 'Medium');
    assert.equal(stall.metadata.detected_by, 'timer');
    assert.equal(stall.metadata.previous_head, 3);
    assert.ok(waited >= 1_400, `reported after ${waited} ms, not before max_block_delay`);
    // Mining resumes: the record is completed with the arrival, not duplicated.
    await mineSteady(node, 1);
    const [done] = await run.until('the stall record closed by block 4', (rs) => rs[0]?.metadata.arrived_at !== undefined && rs);
    assert.equal(done.block_hash, (await latestBlock(node)).hash);
    assert.equal(run.latest().length, 1);
    assert.deepEqual(run.events.map((e) => `${e.r.block_number} ${e.r.kind} ${e.change}`), ['4 delayed new', '4 delayed updated']);
  });
});

describe('head lag', () => {
  test('an alternative node that stops following the chain is one delayed NodeUnresponsive record', async () => {
    const primary = await startAnvil();
    const lagging = await startAnvil();
    await mineSteady(primary, 2);
    await mineSteady(lagging, 2);
    const run = await startService({
      urls: [primary.wsUrl, lagging.url],
      options: { headLag: { thresholdBlocks: 3, intervalMs: 100 } },
    });
    runs.push(run);
    await run.head(2);
    // The alternative stops at block 2; the primary goes on to 6 (lag 4 > threshold 3).
    await mineSteady(primary, 4);
    const [lag] = await run.until('the head-lag record', (rs) => rs.length > 0 && rs);
    assert.deepEqual(brief([lag]), ['3 delayed NodeUnresponsive']);
    assert.equal(lag.source, `127.0.0.1:${lagging.port}`);
    assert.equal(lag.metadata.lag_blocks, 4);
    assert.equal(lag.metadata.best_head, 6);
    // Further blocks while it still lags: the same episode, no new record.
    await mineSteady(primary, 2);
    await run.head(8);
    await nextEvent<[ReadonlyMap<string, number>, number]>(run.svc, 'heads', { filter: (_, best) => best === 8, what: 'a head-lag round seeing block 8' });
    assert.equal(run.latest().length, 1);
  });
});
