// Reorgs induced with anvil_reorg (the last `depth` blocks replaced by a new branch) must be one
// reorg record per replaced block, all carrying the depth, with the replaced (old) hashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAnvil, type Anvil } from '../helpers/anvil';
import { mineAt, mineSteady, readLog, startService } from '../helpers/service';
import { serviceRuns } from '../helpers/serviceRuns';

const { runs } = serviceRuns();

async function hashes(node: Anvil, from: number, to: number): Promise<string[]> {
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push((await node.rpc<{ hash: string }>('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])).hash);
  return out;
}

// Over WebSocket anvil announces the whole new branch; over HTTP polling the monitor sees only the
// new head and the service must fetch the branch back to the common ancestor to measure the depth.
for (const [depth, transport] of [[1, 'ws'], [3, 'ws'], [3, 'http']] as const) {
  test(`anvil_reorg of depth ${depth} (${transport}) is ${depth} ChainReorg record(s) with reorg_depth ${depth}`, async () => {
    const node = await startAnvil();
    // Chain time ahead of the wall clock, so the new branch's timestamps cannot open slot gaps.
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    const run = await startService({ urls: [transport === 'ws' ? node.wsUrl : node.url] });
    runs.push(run);
    await run.head(1);
    // The monitor sees every block it will later find replaced (it can only judge blocks it held);
    // one at a time, so the polling feed does not skip any.
    for (let n = 2; n <= 8; n++) {
      await mineSteady(node, 1);
      await run.head(n);
    }
    const old = await hashes(node, 9 - depth, 8);
    await node.reorg(depth);
    const fresh = await hashes(node, 9 - depth, 8);
    assert.notDeepEqual(fresh, old, 'anvil replaced the blocks');
    await run.until(`${depth} reorg records`, (rs) => rs.length === depth);
    // The monitor follows the new branch: the next block links to it without another record.
    await mineSteady(node, 1);
    await run.head(9);
    const reorgs = run.of('reorg');
    assert.deepEqual(
      reorgs.map((r) => `${r.block_number} ${r.reason} depth ${r.reorg_depth}`),
      Array.from({ length: depth }, (_, i) => `${9 - depth + i} ChainReorg depth ${depth}`),
    );
    assert.deepEqual(reorgs.map((r) => r.block_hash), old, 'each record names the block that was replaced');
    assert.ok(reorgs.every((r) => r.metadata.trace_complete === true && r.severity === (depth >= 2 ? 'High' : 'Medium')));
    assert.equal(run.latest().length, depth, 'no gap, slot or delay records');
    assert.equal(run.svc.monitor.blockAt(8)?.hash, fresh.at(-1), 'the monitor holds the new branch');
    // Written once, when the depth was known: one line per replaced block, none rewritten.
    await run.svc.flush();
    assert.deepEqual(readLog(run.logPath).map((r) => `${r.block_number} ${r.reorg_depth}`), Array.from({ length: depth }, (_, i) => `${9 - depth + i} ${depth}`));
  });
}
