// A REAL reorg on a REAL beacon node (Lodestar 1.5.1): two dev nodes with the same genesis, not
// peered, validators 0..3 on A and 4..7 on B, each building its own fork; then B dials A and the
// node on the lighter fork switches, emitting `chain_reorg`. The test reads each node's event
// stream itself (plain fetch) and checks that every chain_reorg a node reports is a `reorg` record,
// from the monitor following that node, with the same slot, depth and old head.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { guardProcess } from '../helpers/guard';
import { newDevChain, ports, stopAllChains, headOf } from '../helpers/lodestar';
import { removeDir, startService, type Running } from '../helpers/service';
import { waitFor } from '../helpers/wait';

guardProcess();
const runs: Running[] = [];
const timers: NodeJS.Timeout[] = [];
const streams: AbortController[] = [];
after(async () => {
  for (const s of streams) s.abort();
  for (const t of timers) clearInterval(t);
  for (const r of runs) {
    await r.stop();
    removeDir(r.dir);
  }
  await stopAllChains();
});

/** The test's own reader of a node's chain_reorg events. */
function reorgEvents(url: string): Record<string, string>[] {
  const seen: Record<string, string>[] = [];
  const ac = new AbortController();
  streams.push(ac);
  void (async () => {
    try {
      const res = await fetch(`${url}/eth/v1/events?topics=chain_reorg`, { signal: ac.signal });
      const reader = res.body!.getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data:'));
          if (/^event:\s*chain_reorg/m.test(block) && data) seen.push(JSON.parse(data.slice(5)));
        }
      }
    } catch {
      /* aborted at the end */
    }
  })();
  return seen;
}

test('two nodes partitioned, then joined: the chain_reorg the node reports is a reorg record with its depth', async () => {
  const started = Date.now();
  const chain = newDevChain({ genesisTime: Math.floor(Date.now() / 1000) + 14 });
  const [restA, p2pA] = await ports();
  const [restB, p2pB] = await ports();
  // Validators inside each node's process (fewer processes on a busy machine).
  const a = chain.beaconNode('a', restA, p2pA, { startValidators: '0..3' });
  const b = chain.beaconNode('b', restB, p2pB, { startValidators: '4..7' });
  await Promise.all([a.startAndWait(), b.startAndWait()]);
  const heads = { a: 0, b: 0 };
  const poll = setInterval(() => {
    void headOf(a.url).then((h) => (heads.a = h), () => undefined);
    void headOf(b.url).then((h) => (heads.b = h), () => undefined);
  }, 1_000);
  timers.push(poll);
  const slotNow = () => Math.floor((Date.now() / 1000 - chain.genesisTime) / 2);
  const seenA = reorgEvents(a.url);
  const seenB = reorgEvents(b.url);
  const runA = await startService({ urls: [], options: { beacon: { url: a.url } } });
  const runB = await startService({ urls: [], options: { beacon: { url: b.url } } });
  runs.push(runA, runB);

  // Each node builds its own fork for a while.
  await waitFor('both nodes with blocks of their own (head slot ≥ 6)', () => heads.a >= 6 && heads.b >= 6, { timeoutMs: 60_000, intervalMs: 250 }).catch((e: Error) => {
    throw new Error(`${e.message}: heads a=${heads.a} b=${heads.b} at slot ${slotNow()}`);
  });
  const joinedAt = slotNow();
  const joinT = Date.now();
  await b.connectTo(a);
  await waitFor(`a chain_reorg event on either node`, () => seenA.length + seenB.length > 0, { timeoutMs: 60_000, intervalMs: 250 });
  const reorgAfterMs = Date.now() - joinT;
  const reported = [...seenA.map((e) => ({ node: 'a', e, run: runA })), ...seenB.map((e) => ({ node: 'b', e, run: runB }))];
  for (const { node, e, run } of reported) {
    const r = await waitFor(`reorg record of node ${node} at slot ${e.slot}`, () => run.events.find((x) => x.r.kind === 'reorg' && x.r.beacon_slot === Number(e.slot) && x.r.block_hash === e.old_head_block)?.r, { timeoutMs: 10_000 });
    assert.equal(r.reorg_depth, Number(e.depth), `node ${node}: the depth the node reported`);
    assert.equal(r.reason, 'ChainReorg');
    assert.equal(r.metadata.new_head_block, e.new_head_block);
  }
  // Severity, judged on each record's latest version: depth ≥ 2 is High, depth 1 Medium — unless
  // the record sits in a run of ≥ alert_threshold (5) missed events on consecutive block numbers
  // (while partitioned each node misses half its slots), which makes it Critical. The run is counted
  // here from the records, not taken from the record's own streak field.
  for (const { node, e, run } of reported) {
    const all = run.latest().filter((x) => x.kind !== 'chain_reset');
    const r = all.find((x) => x.kind === 'reorg' && x.beacon_slot === Number(e.slot) && x.block_hash === e.old_head_block)!;
    const numbers = new Set(all.map((x) => x.block_number));
    let lo = r.block_number;
    let hi = r.block_number;
    while (numbers.has(lo - 1)) lo--;
    while (numbers.has(hi + 1)) hi++;
    const inRun = all.filter((x) => x.block_number >= lo && x.block_number <= hi).length;
    const expected = inRun >= 5 ? 'Critical' : Number(e.depth) >= 2 ? 'High' : 'Medium';
    assert.equal(r.severity, expected, `node ${node}: reorg at slot ${e.slot}, depth ${e.depth}, in a run of ${inRun} records on blocks ${lo}..${hi}`);
  }
  // No reorg record without an event behind it.
  for (const [run, seen] of [[runA, seenA], [runB, seenB]] as const) {
    const recs = run.events.filter((x) => x.r.kind === 'reorg' && x.change === 'new').map((x) => `${x.r.beacon_slot}/${x.r.reorg_depth}`);
    assert.deepEqual(recs, seen.map((e) => `${e.slot}/${e.depth}`));
  }
  const first = reported[0];
  console.log(
    `# figures: joined at slot ${joinedAt}; chain_reorg on node ${first.node} at slot ${first.e.slot}, depth ${first.e.depth}, ${Math.round(reorgAfterMs / 1000)} s after the join; events a=${seenA.length} b=${seenB.length}; test ${Math.round((Date.now() - started) / 1000)} s`,
  );
});
