// Checkpoint + backfill: the monitor stopped, the chain went on, the monitor restarted. What
// happened meanwhile is detected by the same rules (here: 2 empty slots), fetched in JSON-RPC
// batches, and nothing from before the restart is reported again.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { backfill } from '../../src/node/backfill';
import { CheckpointStore, readCheckpoint, writeCheckpointFile } from '../../src/node/checkpoint';
import { RpcFetcher } from '../../src/node/chain/fetcher';
import { DEFAULT_MONITORING } from '../../src/core/config';
import type { BlockInfo } from '../../src/core/model';
import { BlockMonitor } from '../../src/core/monitor';
import { BlockPipeline } from '../../src/node/pipeline';
import { startAnvil, stopAllAnvils, waitPersisted } from '../helpers/anvil';
import { waitFor } from '../helpers/wait';
import { guardProcess } from '../helpers/guard';
import { startProxy, type RpcProxy } from '../helpers/proxy';
import { latestBlock, mineAt, mineSteady, readLog, removeDir, startService, type Running } from '../helpers/service';

guardProcess();
const runs: Running[] = [];
const proxies: RpcProxy[] = [];
const dirs: string[] = [];
after(async () => {
  for (const r of runs) await r.stop();
  for (const p of proxies) await p.close();
  for (const d of dirs) removeDir(d);
  await stopAllAnvils();
});

const slotKey = (r: { block_number: number; kind?: string; slot?: number }) => `${r.block_number}/${r.kind}/${r.slot ?? ''}`;

describe('restart after downtime', () => {
  test('50 blocks mined while the monitor was stopped are backfilled in one batch; only their missed slots are new', async () => {
    const node = await startAnvil();
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-backfill-'));
    dirs.push(dir);

    const first = await startService({ urls: [node.wsUrl], dir });
    runs.push(first);
    await mineSteady(node, 1); // 2
    await mineAt(node, (await latestBlock(node)).timestamp + 2); // 3: one empty slot
    await first.head(3);
    await first.until('the missed slot at block 3', (rs) => rs.length === 1);
    await first.stop();
    const cp = await readCheckpoint(`${first.logPath}.checkpoint.json`);
    assert.deepEqual(
      { number: cp?.number, hash: cp?.hash, chain_id: cp?.chain_id, source: cp?.source },
      { number: 3, hash: (await latestBlock(node)).hash, chain_id: 31337, source: `127.0.0.1:${node.port}` },
    );

    // Downtime: 50 blocks, with a gap of 3 slots before block 24.
    await mineSteady(node, 20); // 4..23
    await mineAt(node, (await latestBlock(node)).timestamp + 3); // 24: two empty slots
    assert.equal(await mineSteady(node, 29), 53);

    const proxy = await startProxy(node.url);
    proxies.push(proxy);
    const second = await startService({ urls: [proxy.url], dir });
    runs.push(second);
    await second.svc.resumed();
    assert.deepEqual(second.backfills.filter((e) => e.phase !== 'progress'), [
      { phase: 'start', from: 4, to: 53, skipped: 0 },
      { phase: 'done', from: 4, to: 53, count: 50 },
    ]);
    // All 50 blocks in one JSON-RPC batch request (the polls are single requests, not arrays).
    assert.deepEqual(proxy.stats.batchSizes, [50]);
    await second.until('two missed slots at block 24', (rs) => rs.length === 2);
    assert.deepEqual(second.latest().map(slotKey), [`24/missed_slot/${cp!.timestamp + 21}`, `24/missed_slot/${cp!.timestamp + 22}`]);
    assert.ok(second.latest().every((r) => r.reason === 'Unknown'));
    // The live feed's head (53) may have arrived during the backfill: it waited, and was not counted twice.
    assert.equal(second.svc.getStats().blocks_processed, 50);
    await mineSteady(node, 1);
    await second.head(54);
    await second.stop();

    const lines = readLog(first.logPath);
    assert.equal(lines.length, 3, 'one record before the restart, two after');
    assert.equal(new Set(lines.map(slotKey)).size, 3, 'no record written twice');
    assert.equal((await readCheckpoint(`${first.logPath}.checkpoint.json`))?.number, 54);
  });

  test('a node that is down at start: the backfill is retried (ConnectionLost) and completes once it is back', async () => {
    const node = await startAnvil({ persist: true });
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    await mineSteady(node, 4); // head 5
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-backfill-'));
    dirs.push(dir);
    const b2 = await node.rpc<{ hash: string; timestamp: string }>('eth_getBlockByNumber', ['0x2', false]);
    await writeCheckpointFile(path.join(dir, 'missed_blocks.jsonl.checkpoint.json'), { number: 2, hash: b2.hash, timestamp: Number(b2.timestamp), chain_id: 31337 });
    await waitPersisted(node, 5);
    await node.kill('SIGKILL');
    const run = await startService({ urls: [node.wsUrl], dir, options: { source: { backoff: { initialMs: 100, maxMs: 200 } } } });
    runs.push(run);
    await waitFor(() => run.backfills.some((e) => e.phase === 'retry' && e.reason === 'ConnectionLost'), { what: 'a backfill retry' });
    await node.start();
    await run.svc.resumed();
    assert.deepEqual(run.backfills.filter((e) => e.phase !== 'retry' && e.phase !== 'progress'), [
      { phase: 'start', from: 3, to: 5, skipped: 0 },
      { phase: 'done', from: 3, to: 5, count: 3 },
    ]);
    await run.head(5);
    assert.deepEqual(run.latest(), []);
  });

  test('a node whose head is below the checkpoint (reset chain) is followed afresh, not reported as a reorg', async () => {
    const node = await startAnvil();
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-backfill-'));
    dirs.push(dir);
    await writeCheckpointFile(path.join(dir, 'missed_blocks.jsonl.checkpoint.json'), {
      number: 1000,
      hash: `0x${'ab'.repeat(32)}`,
      timestamp: 1,
      chain_id: 31337,
    });
    const run = await startService({ urls: [node.wsUrl], dir });
    runs.push(run);
    await run.svc.resumed();
    assert.deepEqual(run.backfills, [{ phase: 'skipped', why: 'node head 1 is below checkpoint block 1000 (node reset?)' }]);
    await mineSteady(node, 1);
    await run.head(2);
    assert.deepEqual(run.latest(), []);
  });
});

describe('backfill and the live feed', () => {
  test('a live block delivered during a backfill is processed after it, in order', async () => {
    const node = await startAnvil();
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    await mineSteady(node, 29); // head 30
    const fetcher = new RpcFetcher({ label: 'anvil', url: node.url }, { batchSize: 10 });
    const monitor = new BlockMonitor({ ...DEFAULT_MONITORING, expectedBlockTimeMs: 1000, maxBlockDelayMs: 60_000 }, { source: 'anvil' });
    const processed: number[] = [];
    const records: string[] = [];
    monitor.onRecord((r) => records.push(`${r.block_number} ${r.kind}`));
    const pipeline = new BlockPipeline(monitor, [fetcher], {
      onHead: (b) => processed.push(b.number),
      onError: (e) => assert.fail(e),
    });
    const head = (await fetcher.getBlock(30)) as BlockInfo;
    monitor.seed((await fetcher.getBlock(1)) as BlockInfo);
    pipeline.hold();
    const res = await backfill({
      fetcher,
      from: 2,
      windowSize: 10,
      concurrency: 2,
      // The live source announces the head while the backfill is still at block 5.
      onBlock: async (b) => {
        if (b.number === 5) pipeline.live({ ...head, receivedAt: Date.now() / 1000 });
        await pipeline.historical(b);
      },
    });
    await pipeline.release();
    await fetcher.close();
    assert.deepEqual({ from: res.from, to: res.to, count: res.count }, { from: 2, to: 30, count: 29 });
    assert.deepEqual(processed, [...Array.from({ length: 29 }, (_, i) => i + 2), 30]);
    assert.deepEqual(records, [], 'the early head was neither a gap nor a duplicate');
    assert.equal(monitor.getStats().blocks_processed, 29);
  });
});

describe('checkpoint file', () => {
  test('throttled, never backwards, replaced atomically, flushed on close', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-cp-'));
    dirs.push(dir);
    const file = path.join(dir, 'log.jsonl.checkpoint.json');
    const store = new CheckpointStore(file, { intervalMs: 60_000 });
    const b = (n: number, h = 'aa'): BlockInfo => ({ number: n, hash: `0x${h.repeat(32)}`, parentHash: '', timestamp: 100 + n, chainId: 1, source: 's' });
    store.update(b(10));
    assert.equal(await readCheckpoint(file), undefined, 'not written on every block');
    store.update(b(5));
    store.update(b(10, 'bb')); // same height, new hash (a reorg): kept
    await store.close();
    const cp = await readCheckpoint(file);
    assert.deepEqual({ ...cp, saved_at: undefined }, { number: 10, hash: `0x${'bb'.repeat(32)}`, timestamp: 110, chain_id: 1, source: 's', saved_at: undefined });
    assert.deepEqual(readdirSync(dir), ['log.jsonl.checkpoint.json'], 'no temp file left');
    assert.ok(readFileSync(file, 'utf8').endsWith('}\n'));
  });
});
