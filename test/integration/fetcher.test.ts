// RpcFetcher against a real anvil: block fields, batch requests (counted at a proxy), bounded
// concurrency, and each fault the proxy injects arriving as its classified reason.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcFetcher } from '../../src/node/chain/fetcher';
import { ClassifiedError } from '../../src/node/chain/errors';
import type { MissedBlockReason } from '../../src/core/model';
import { startAnvil, stopAllAnvils, type Anvil } from '../helpers/anvil';
import { guardProcess } from '../helpers/guard';
import { startProxy, type RpcProxy } from '../helpers/proxy';

guardProcess();

const reasonOf = async (p: Promise<unknown>): Promise<MissedBlockReason> => {
  const err = await p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ClassifiedError, `a ClassifiedError, got ${String(err)}`);
  return err.reason;
};

describe('RpcFetcher', () => {
  let anvil: Anvil;
  let proxy: RpcProxy;
  const HEAD = 520;

  before(async () => {
    anvil = await startAnvil({ chainId: 4242 });
    assert.equal(await anvil.mine(HEAD), HEAD);
    proxy = await startProxy(anvil.url);
  });
  after(async () => {
    await proxy?.close();
    await stopAllAnvils();
  });

  test('getBlock returns the node’s block, labelled, with chain id; null past the head', async () => {
    const f = new RpcFetcher({ label: 'local', url: anvil.url });
    const raw = await anvil.rpc<Record<string, string>>('eth_getBlockByNumber', ['0x7', false]);
    assert.deepEqual(await f.getBlock(7), {
      number: 7,
      hash: raw.hash,
      parentHash: raw.parentHash,
      timestamp: Number(raw.timestamp),
      source: 'local',
      chainId: 4242,
    });
    assert.equal(await f.getBlock(HEAD + 1000), null);
    assert.equal(await f.chainId(), 4242);
    assert.equal(await f.headNumber(), HEAD);
  });

  test('getBlocks over 500 blocks equals getBlock one by one, in 100-call batches', async () => {
    const f = new RpcFetcher({ label: 'p', url: proxy.url }, { batchSize: 100, maxConcurrentBatches: 4 });
    const numbers = Array.from({ length: 501 }, (_, i) => HEAD - 500 + i).concat([HEAD + 5]); // last one does not exist
    await f.chainId();
    proxy.resetStats();
    const many = await f.getBlocks(numbers);
    assert.deepEqual(proxy.stats.batchSizes, [100, 100, 100, 100, 100, 2]);
    assert.equal(proxy.stats.requests, 6, '502 blocks in 6 HTTP requests');
    assert.equal(proxy.stats.calls, 502);

    // The same blocks one getBlock each, straight to the node (50 at a time, to keep this quick).
    const one = new RpcFetcher({ label: 'p', url: anvil.url });
    const singles = [];
    for (let i = 0; i < numbers.length; i += 50) singles.push(...(await Promise.all(numbers.slice(i, i + 50).map((n) => one.getBlock(n)))));
    assert.deepEqual(many, singles);
    assert.equal(many.at(-1), null);
    assert.equal(many[0]!.number, HEAD - 500);
    // Consecutive blocks link up: the batch answers were matched to the right requests.
    for (let i = 1; i < 501; i++) assert.equal(many[i]!.parentHash, many[i - 1]!.hash);
  });

  test('getBlocks keeps at most maxConcurrentBatches batches in flight', async () => {
    // Stalled requests pile up at the proxy: with concurrency 2 only 2 can be waiting.
    const f = new RpcFetcher({ label: 'p', url: proxy.url }, { batchSize: 10, maxConcurrentBatches: 2, timeoutMs: 300, chainId: 4242 });
    proxy.resetStats();
    proxy.setMode('stall');
    try {
      assert.equal(await reasonOf(f.getBlocks(Array.from({ length: 100 }, (_, i) => i))), 'Timeout');
      assert.equal(proxy.stats.requests, 2);
    } finally {
      proxy.setMode('pass');
    }
  });

  test('works over WebSocket too (batch over one socket)', async () => {
    const f = new RpcFetcher({ label: 'ws', url: anvil.wsUrl });
    try {
      const http = new RpcFetcher({ label: 'ws', url: anvil.url });
      const numbers = Array.from({ length: 250 }, (_, i) => i);
      assert.deepEqual(await f.getBlocks(numbers), await http.getBlocks(numbers));
      assert.equal(await f.headNumber(), HEAD);
    } finally {
      await f.close();
    }
  });

  describe('faults arrive classified', () => {
    const viaProxy = () => new RpcFetcher({ label: 'p', url: proxy.url }, { timeoutMs: 300, chainId: 4242 });
    after(() => proxy.setMode('pass'));

    test('429 → RateLimitExceeded (getBlock and getBlocks)', async () => {
      proxy.setMode('ratelimit');
      assert.equal(await reasonOf(viaProxy().getBlock(1)), 'RateLimitExceeded');
      assert.equal(await reasonOf(viaProxy().getBlocks([1, 2, 3])), 'RateLimitExceeded');
    });

    test('stall → Timeout, after the configured timeout', async () => {
      proxy.setMode('stall');
      const t = Date.now();
      assert.equal(await reasonOf(viaProxy().headNumber()), 'Timeout');
      const took = Date.now() - t;
      assert.ok(took >= 290 && took < 2_000, `gave up after ${took} ms`);
    });

    test('JSON-RPC error body → RpcError', async () => {
      proxy.setMode('rpcerror');
      assert.equal(await reasonOf(viaProxy().getBlock(1)), 'RpcError');
      assert.equal(await reasonOf(viaProxy().getBlocks([1, 2])), 'RpcError');
    });

    test('socket reset → ConnectionLost', async () => {
      proxy.setMode('reset');
      assert.equal(await reasonOf(viaProxy().headNumber()), 'ConnectionLost');
    });

    test('back to pass → answers again', async () => {
      proxy.setMode('pass');
      assert.equal(await viaProxy().headNumber(), HEAD);
    });
  });

  test('node killed → ConnectionLost (HTTP and WS)', async () => {
    const other = await startAnvil();
    const http = new RpcFetcher({ label: 'h', url: other.url }, { timeoutMs: 2_000 });
    const ws = new RpcFetcher({ label: 'w', url: other.wsUrl }, { timeoutMs: 2_000 });
    try {
      assert.equal(await ws.headNumber(), 0);
      await other.kill('SIGKILL');
      assert.equal(await reasonOf(http.headNumber()), 'ConnectionLost');
      assert.equal(await reasonOf(ws.headNumber()), 'ConnectionLost');
    } finally {
      await ws.close();
    }
  });
});
