// A node restarted without its state (anvil killed and started again without --state) begins again
// at block 0 with a new genesis. Whether the monitor reconnects while the new chain is still below
// the old head or already past it, the log gets exactly one chain_reset record — no reorg, no gaps,
// nothing earlier rewritten — and the monitor follows the new chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAnvil, type Anvil } from '../helpers/anvil';
import { mineAt, mineSteady, readLog, startService, type Running } from '../helpers/service';
import { serviceRuns } from '../helpers/serviceRuns';
import { waitFor } from '../helpers/wait';
import { startProxy } from '../helpers/proxy';
import { formatRecord } from '../../src/node/consoleText';
import { createColors } from 'picocolors';
import { timestampProblems } from '../../src/lsp/consistency';

const { runs, proxies } = serviceRuns();

async function block(node: Anvil, n: number): Promise<{ hash: string; timestamp: number }> {
  const b = await node.rpc<{ hash: string; timestamp: string }>('eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
  return { hash: b.hash, timestamp: Number(b.timestamp) };
}

const LIVE = [
  ['ws', 'below the old head', 3],
  ['ws', 'already past the old head', 12],
  ['http', 'below the old head', 3],
  ['http', 'already past the old head', 12],
] as const;

for (const [transport, timing, newBlocks] of LIVE) {
  test(`anvil restarted without its state, new chain ${timing} when the monitor reconnects (${transport}): one chain_reset record`, async () => {
    const node = await startAnvil();
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    // Reconnect every 3 s: time for the restarted node to mine before the monitor is back.
    // The monitor reaches the node through a proxy that keeps it away while the node restarts and
    // mines, so it comes back to a new chain exactly below or past its old head.
    const proxy = await startProxy(node.url);
    proxies.push(proxy);
    const url = transport === 'ws' ? proxy.wsUrl : proxy.url;
    const run = await startService({ urls: [url], options: { source: { backoff: { initialMs: 200, maxMs: 500, jitter: 0 }, timeoutMs: 2_000, pollIntervalMs: 200 } } });
    runs.push(run);
    await run.head(1);
    for (let n = 2; n <= 8; n++) {
      await mineSteady(node, 1);
      await run.head(n);
    }
    const oldGenesis = await block(node, 0);
    const oldHead = await block(node, 8);
    // anvil's genesis is stamped with its start time: a restart in a later second has another genesis.
    await waitFor(() => Math.floor(Date.now() / 1000) > oldGenesis.timestamp || undefined, { what: 'the next wall-clock second' });
    proxy.setMode('reset');
    await node.restart();
    assert.equal(await node.blockNumber(), 0, 'the restarted node began again');
    const newGenesis = await block(node, 0);
    assert.notEqual(newGenesis.hash, oldGenesis.hash);
    await mineSteady(node, newBlocks);
    proxy.setMode('pass');
    await run.until('a chain_reset record', (rs) => rs.some((r) => r.kind === 'chain_reset'));
    await run.head(newBlocks);
    // The monitor follows the new chain (one block at a time, so polling skips none).
    for (let n = newBlocks + 1; n <= newBlocks + 2; n++) {
      await mineSteady(node, 1);
      await run.head(n);
    }
    const records = run.latest();
    const at = newBlocks;
    assert.deepEqual(records.map((r) => `${r.block_number} ${r.kind} ${r.reason} ${r.severity}`), [`${at} chain_reset Unknown High`], 'no reorg, gap or slot records');
    const [reset] = records;
    assert.equal(reset.block_hash, (await block(node, at)).hash, "the new chain's first block seen");
    assert.deepEqual(
      [reset.metadata.detected_by, reset.metadata.old_head, reset.metadata.old_head_hash, reset.metadata.old_genesis_hash, reset.metadata.new_genesis_hash],
      ['genesis_hash', 8, oldHead.hash, oldGenesis.hash, newGenesis.hash],
    );
    assert.deepEqual(run.events.map((e) => e.change), ['new'], 'announced once, nothing earlier rewritten');
    assert.equal(run.svc.getStats().current_streak, 0);
    assert.equal(formatRecord(reset, createColors(false)).includes(`#${at} chain_reset Unknown the node's chain began again (it was at #8)`), true);
    assert.deepEqual(timestampProblems(reset), [], 'opens in the editor without warnings');
    await run.svc.flush();
    assert.deepEqual(readLog(run.logPath).map((r) => `${r.block_number} ${r.kind}`), [`${at} chain_reset`], 'one line in the log');
    if (transport === 'ws') {
      // The checkpoint moved to the new chain (below its old number): a restarted monitor resumes quietly.
      await run.stop();
      const again = await startService({ urls: [url], dir: run.dir });
      runs.push(again);
      await again.svc.resumed();
      await mineSteady(node, 1);
      await again.head(newBlocks + 3);
      assert.deepEqual(again.latest(), [], 'nothing new after a restart of the monitor');
      assert.equal(again.backfills.some((e) => e.phase === 'skipped'), false, (again.backfills as unknown[]).map((e) => JSON.stringify(e)).join(' '));
    }
  });
}

for (const [timing, newBlocks] of [['below', 3], ['past', 12]] as const) {
  test(`the node restarted without its state while the monitor was stopped too (new chain ${timing} the checkpoint): one chain_reset record on restart`, async () => {
    const node = await startAnvil();
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    const first = await startService({ urls: [node.wsUrl] });
    runs.push(first);
    await run8(node, first);
    await first.stop();
    const oldGenesis = await block(node, 0);
    await waitFor(() => Math.floor(Date.now() / 1000) > oldGenesis.timestamp || undefined, { what: 'the next wall-clock second' });
    await node.restart();
    await mineSteady(node, newBlocks);
    const newGenesis = await block(node, 0);
    // The same log and checkpoint: the checkpoint names block 8 of the old chain and its genesis.
    const run = await startService({ urls: [node.wsUrl], dir: first.dir });
    runs.push(run);
    await run.svc.resumed();
    await mineSteady(node, 1);
    await run.until('a chain_reset record', (rs) => rs.some((r) => r.kind === 'chain_reset'));
    await mineSteady(node, 1);
    await run.head(newBlocks + 2);
    assert.deepEqual(run.latest().map((r) => `${r.kind} ${r.metadata.detected_by} ${r.metadata.old_head} ${r.metadata.new_genesis_hash === newGenesis.hash}`), ['chain_reset genesis_hash 8 true']);
    await run.svc.flush();
    assert.deepEqual(readLog(run.logPath).map((r) => r.kind), ['chain_reset'], 'one line in the log, no reorg or gaps');
  });
}

/** Blocks 2…8 one at a time, each seen by the monitor. */
async function run8(node: Anvil, run: Running): Promise<void> {
  await run.head(1);
  for (let n = 2; n <= 8; n++) {
    await mineSteady(node, 1);
    await run.head(n);
  }
}
