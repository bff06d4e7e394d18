// Block sources (WS newHeads and HTTP polling) against a real anvil: every block in order with the
// node's hashes, outages (kill -9, restart on the same port), and each proxy-injected fault
// arriving as 'error'/'down' with its reason, then 'up' when the endpoint answers again.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSource, HttpPollingSource, WsSource, type SourceOptions } from '../../src/node/chain/sources';
import type { BlockSource } from '../../src/node/chain/types';
import { freePort, startAnvil, stopAllAnvils, waitPersisted, type Anvil } from '../helpers/anvil';
import { guardProcess } from '../helpers/guard';
import { startProxy, type RpcProxy } from '../helpers/proxy';
import { record } from '../helpers/recorder';
import { waitFor } from '../helpers/wait';

guardProcess();

const FAST: SourceOptions = { pollIntervalMs: 50, timeoutMs: 1_000, heartbeatMs: 500, backoff: { initialMs: 50, maxMs: 300 } };

const sources: BlockSource[] = [];
const proxies: RpcProxy[] = [];
after(async () => {
  await Promise.all(sources.map((s) => s.stop()));
  await Promise.all(proxies.map((p) => p.close()));
  await stopAllAnvils();
});

function source(label: string, url: string, opts: SourceOptions = FAST): BlockSource {
  const s = createSource({ label, url }, opts);
  sources.push(s);
  return s;
}

async function nodeBlock(anvil: Anvil, n: number) {
  const b = await anvil.rpc<Record<string, string>>('eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
  return { number: n, hash: b.hash!, parentHash: b.parentHash!, timestamp: Number(b.timestamp) };
}

const strip = ({ number, hash, parentHash, timestamp }: { number: number; hash: string; parentHash: string; timestamp: number }) => ({
  number,
  hash,
  parentHash,
  timestamp,
});

describe('createSource picks the feed from the URL', () => {
  test('ws:// → WsSource, http:// → HttpPollingSource', () => {
    assert.ok(createSource({ label: 'a', url: 'ws://127.0.0.1:1' }) instanceof WsSource);
    assert.ok(createSource({ label: 'a', url: 'wss://x.invalid' }) instanceof WsSource);
    assert.ok(createSource({ label: 'a', url: 'http://127.0.0.1:1' }) instanceof HttpPollingSource);
  });
});

for (const kind of ['ws', 'http'] as const) {
  describe(`${kind} source`, () => {
    test('delivers every mined block in order with the node’s hashes, chain id and arrival time', async () => {
      const anvil = await startAnvil({ chainId: 777 });
      const src = source('local', kind === 'ws' ? anvil.wsUrl : anvil.url);
      const rec = record(src);
      await src.start();
      await rec.waitBlock(0);
      const t0 = Date.now() / 1000;
      if (kind === 'ws') {
        // newHeads pushes each block, even when many are mined in one call.
        await anvil.mine(10);
      } else {
        // Polling sees only the head: mine the next block once the previous one was seen.
        for (let n = 1; n <= 10; n++) {
          await anvil.mine(1);
          await rec.waitBlock(n);
        }
      }
      await rec.waitBlock(10);
      const expected = [];
      for (let n = 0; n <= 10; n++) expected.push(await nodeBlock(anvil, n));
      assert.deepEqual(rec.blocks.map(strip), expected);
      for (const b of rec.blocks) {
        assert.equal(b.source, 'local');
        assert.equal(b.chainId, 777);
        assert.equal(typeof b.receivedAt, 'number');
      }
      for (const b of rec.blocks.slice(1)) assert.ok(b.receivedAt! >= t0 && b.receivedAt! <= Date.now() / 1000, 'receivedAt is arrival time');
      assert.deepEqual(rec.errors, []);
      await src.stop();
    });

    test('kill -9 → down(ConnectionLost); restart on the same port → up, blocks resume', async () => {
      const anvil = await startAnvil({ persist: true });
      const src = source('node', kind === 'ws' ? anvil.wsUrl : anvil.url);
      const rec = record(src);
      await src.start();
      await anvil.mine(3);
      const b3 = await rec.waitBlock(3);
      await waitPersisted(anvil, 3);

      await anvil.kill('SIGKILL');
      const downAt = await rec.waitLog('down:ConnectionLost');
      assert.equal(rec.log[downAt - 1], 'error:ConnectionLost', "'error' comes with the reason, then 'down'");

      await anvil.restart();
      const upAt = await rec.waitLog('up', 10_000, downAt);
      assert.equal(await anvil.blockNumber(), 3, 'the node came back with its chain');
      await anvil.mine(1);
      const b4 = await rec.waitBlock(4);
      assert.equal(b4.parentHash, b3.hash, 'resumed on the same chain');
      assert.deepEqual(strip(b4), await nodeBlock(anvil, 4));
      // Exactly one outage: down … up, every failure in between a ConnectionLost, no block replayed.
      const between = rec.log.slice(downAt + 1, upAt);
      assert.ok(between.every((e) => e === 'error:ConnectionLost'), between.join(' '));
      assert.deepEqual(rec.log.filter((e) => e === 'up' || e.startsWith('down')), ['down:ConnectionLost', 'up']);
      assert.deepEqual(rec.blocks.map((b) => b.number), [0, 1, 2, 3, 4].filter((n) => kind === 'ws' || n === 0 || n >= 3));
      await src.stop();
    });

    test('a dead endpoint: start() resolves, down(ConnectionLost), bounded retries, silence after stop()', async () => {
      const port = await freePort();
      const src = source('dead', `${kind}://127.0.0.1:${port}`, { ...FAST, backoff: { initialMs: 20, maxMs: 100 } });
      const rec = record(src);
      await src.start();
      await rec.waitLog('down:ConnectionLost');
      await waitFor(() => rec.errors.length >= 4, { what: 'retries' });
      assert.ok(rec.errors.every((r) => r === 'ConnectionLost'));
      assert.deepEqual(rec.log.filter((e) => e.startsWith('down')), ['down:ConnectionLost'], "'down' once per outage");
      await src.stop();
      const n = rec.log.length;
      // No event may follow stop(): wait one full max backoff plus a poll; there is no event to await here.
      await new Promise((r) => setTimeout(r, 250));
      assert.equal(rec.log.length, n);
    });

    test('no listeners at all: a dead endpoint still cannot crash the process', async () => {
      const src = source('quiet', `${kind}://127.0.0.1:${await freePort()}`);
      await src.start();
      await waitFor(() => (src as WsSource | HttpPollingSource).isDown, { what: 'source down' });
      await src.stop();
    });
  });
}

describe('http source through a fault-injecting proxy', () => {
  test('429, stall, rpcerror, reset → error + down with the reason; pass → up', async () => {
    const anvil = await startAnvil();
    const proxy = await startProxy(anvil.url);
    proxies.push(proxy);
    const src = source('proxied', proxy.url, { ...FAST, timeoutMs: 300 });
    const rec = record(src);
    await src.start();
    await rec.waitBlock(0);
    const faults = [
      ['ratelimit', 'RateLimitExceeded'],
      ['stall', 'Timeout'],
      ['rpcerror', 'RpcError'],
      ['reset', 'ConnectionLost'],
    ] as const;
    for (const [mode, reason] of faults) {
      const from = rec.log.length;
      proxy.setMode(mode);
      const down = await rec.waitLog(`down:${reason}`, 5_000, from);
      assert.equal(rec.log[down - 1], `error:${reason}`);
      proxy.setMode('pass');
      await rec.waitLog('up', 5_000, down);
      const window = rec.log.slice(from);
      assert.ok(window.filter((e) => e.startsWith('error')).every((e) => e === `error:${reason}`), window.join(' '));
    }
    // The head moved by 5 while the endpoint was unreachable: the source reports only what it sees.
    const from = rec.log.length;
    proxy.setMode('reset');
    await rec.waitLog('down:ConnectionLost', 5_000, from);
    await anvil.mine(5);
    proxy.setMode('pass');
    const b = await rec.waitBlock(5);
    assert.deepEqual(rec.blocks.map((x) => x.number), [0, 5]);
    assert.deepEqual(strip(b), await nodeBlock(anvil, 5));
    await src.stop();
  });

  test('a reorg at the head is reported as a new block with the same number', async () => {
    const anvil = await startAnvil();
    const src = source('reorg', anvil.url);
    const rec = record(src);
    await src.start();
    await anvil.mine(4);
    const before = await rec.waitBlock(4);
    await anvil.reorg(2);
    const after = await waitFor(() => rec.blocks.find((b) => b.number === 4 && b.hash !== before.hash), { what: 'replaced head' });
    assert.deepEqual(strip(after), await nodeBlock(anvil, 4));
    await src.stop();
  });
});

describe('ws source through a fault-injecting proxy', () => {
  test('tunnel reset → ConnectionLost; silent socket → Timeout (heartbeat); 429 upgrade → RateLimitExceeded; blocks resume', async () => {
    const anvil = await startAnvil();
    const proxy = await startProxy(anvil.url);
    proxies.push(proxy);
    const src = source('ws-proxied', proxy.wsUrl, { ...FAST, timeoutMs: 300, heartbeatMs: 200 });
    const rec = record(src);
    await src.start();
    await rec.waitBlock(0);

    let from = rec.log.length;
    proxy.setMode('reset');
    let down = await rec.waitLog('down:ConnectionLost', 5_000, from);
    proxy.setMode('pass');
    await rec.waitLog('up', 5_000, down);

    from = rec.log.length;
    proxy.setMode('stall'); // the open socket goes silent, new handshakes hang
    down = await rec.waitLog('down:Timeout', 5_000, from);
    assert.equal(rec.log[down - 1], 'error:Timeout');
    proxy.setMode('pass');
    await rec.waitLog('up', 5_000, down);

    from = rec.log.length;
    proxy.setMode('reset');
    await rec.waitLog('down:ConnectionLost', 5_000, from);
    proxy.setMode('ratelimit');
    await rec.waitLog('error:RateLimitExceeded', 5_000, from);
    proxy.setMode('pass');
    await rec.waitLog('up', 5_000, from);

    await anvil.mine(2);
    await rec.waitBlock(2);
    assert.deepEqual(rec.blocks.map((b) => b.number), [0, 1, 2]);
    assert.deepEqual(rec.blocks.map(strip), [await nodeBlock(anvil, 0), await nodeBlock(anvil, 1), await nodeBlock(anvil, 2)]);
    await src.stop();
  });
});
