// Recovery against real nodes: a monitor fed real anvil blocks with two skipped (a gap), and the
// Recovery engine fetching them through a proxy that fails on demand and from alternatives.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcFetcher } from '../../src/node/chain/fetcher';
import { BlockMonitor } from '../../src/core/monitor';
import { Recovery } from '../../src/node/recovery';
import { startAnvil, stopAllAnvils, type Anvil } from '../helpers/anvil';
import { guardProcess } from '../helpers/guard';
import { startProxy, type RpcProxy } from '../helpers/proxy';
import { mineAt, mineSteady } from '../helpers/service';
import { waitFor } from '../helpers/wait';
import { gapMonitor } from '../helpers/monitorHarness';

guardProcess();
const proxies: RpcProxy[] = [];
const fetchers: RpcFetcher[] = [];
after(async () => {
  for (const f of fetchers) await f.close();
  for (const p of proxies) await p.close();
  await stopAllAnvils();
});

function fetcher(label: string, url: string): RpcFetcher {
  // Chain id known up front (as the service learns it once), so every attempt is the batch itself.
  const f = new RpcFetcher({ label, url }, { timeoutMs: 2_000, chainId: 31337 });
  fetchers.push(f);
  return f;
}

/** A monitor that saw blocks 1 and 4 of `node` (2 and 3 skipped): two pending gap records. */
const monitorWithGap = (node: Anvil) => gapMonitor(fetcher('direct', node.url), { expectedBlockTimeMs: 1000, maxBlockDelayMs: 60_000 });

async function chain(): Promise<Anvil> {
  const node = await startAnvil();
  await mineAt(node, Math.floor(Date.now() / 1000) + 30);
  await mineSteady(node, 3);
  return node;
}

function recovery(monitor: BlockMonitor, fs: RpcFetcher[], retryDelayMs = 100): Recovery {
  return new Recovery({ target: monitor, fetchers: fs, retryAttempts: 2, retryDelayMs, neighbours: (n) => monitor.blockAt(n) });
}

describe('recovery strategies', () => {
  test('retried on the primary (retry_attempts, retry_delay apart), then recovered from the alternative', async () => {
    const node = await chain();
    const proxy = await startProxy(node.url, { mode: 'rpcerror' });
    proxies.push(proxy);
    const { monitor, updates } = await monitorWithGap(node);
    const rec = recovery(monitor, [fetcher('primary', proxy.url), fetcher('alt', node.url)]);
    const t0 = Date.now();
    rec.kick();
    await rec.idle();
    assert.deepEqual(proxy.stats.batchSizes, [2, 2], 'two attempts on the primary, both blocks in one batch each');
    assert.deepEqual(
      updates.map((r) => `${r.block_number} ${r.kind} ${r.reason} ${r.severity} recovered=${r.recovered} attempts=${r.recovery_attempts}`),
      ['2 gap Unknown Low recovered=true attempts=3', '3 gap Unknown Low recovered=true attempts=3'],
    );
    for (const r of updates) {
      assert.ok(r.recovery_ms! >= 100, `recovery_ms ${r.recovery_ms} includes the retry delay`);
      assert.ok(r.recovery_ms! <= Date.now() - t0);
      assert.equal(r.block_hash, (await node.rpc<{ hash: string }>('eth_getBlockByNumber', [`0x${r.block_number.toString(16)}`, false])).hash);
    }
    assert.deepEqual(monitor.pending(), []);
    assert.equal(monitor.getStats().recovered, 2);
  });

  test('a block that does not link to its neighbours is InvalidBlock, not recovered', async () => {
    const node = await chain();
    // Another node on another chain (other timestamps, other hashes) answers for the same numbers.
    const other = await startAnvil();
    await mineAt(other, Math.floor(Date.now() / 1000) + 100);
    await mineSteady(other, 3, 2);
    const proxy = await startProxy(node.url, { mode: 'rpcerror' });
    proxies.push(proxy);
    const { monitor, updates } = await monitorWithGap(node);
    const rec = recovery(monitor, [fetcher('primary', proxy.url), fetcher('other', other.url)]);
    rec.kick();
    await rec.idle();
    assert.deepEqual(
      updates.map((r) => `${r.block_number} ${r.reason} ${r.severity} recovered=${r.recovered} attempts=${r.recovery_attempts} failed=${r.metadata.recovery_failed} detected=${r.metadata.detected_reason}`),
      [
        '2 InvalidBlock High recovered=false attempts=3 failed=true detected=Unknown',
        '3 InvalidBlock High recovered=false attempts=3 failed=true detected=Unknown',
      ],
    );
    assert.deepEqual(monitor.pending(), [], 'settled: recovery gave up');
  });

  test('with no alternative, retries exhausted: the transport reason (RpcError) replaces the detected one', async () => {
    const node = await chain();
    const proxy = await startProxy(node.url, { mode: 'rpcerror' });
    proxies.push(proxy);
    const { monitor, updates } = await monitorWithGap(node);
    const rec = recovery(monitor, [fetcher('primary', proxy.url)]);
    rec.kick();
    await rec.idle();
    assert.deepEqual(proxy.stats.batchSizes, [2, 2]);
    assert.deepEqual(
      updates.map((r) => `${r.block_number} ${r.reason} ${r.severity} attempts=${r.recovery_attempts}`),
      ['2 RpcError High attempts=2', '3 RpcError High attempts=2'],
    );
  });

  test('stop() ends recovery at once: nothing is marked afterwards', async () => {
    const node = await chain();
    const proxy = await startProxy(node.url, { mode: 'rpcerror' });
    proxies.push(proxy);
    const { monitor, updates } = await monitorWithGap(node);
    const rec = recovery(monitor, [fetcher('primary', proxy.url)], 60_000);
    rec.kick();
    await waitFor(() => proxy.stats.requests === 1, { what: 'the first attempt' });
    const t = Date.now();
    await rec.stop();
    await rec.idle();
    assert.ok(Date.now() - t < 1_000, 'stop did not wait for the 60 s retry delay');
    proxy.setMode('pass');
    rec.kick();
    assert.equal(rec.size(), 0, 'a stopped recovery takes no new work');
    assert.deepEqual(updates, []);
    assert.deepEqual(monitor.pending().map((r) => r.block_number), [2, 3]);
  });
});
