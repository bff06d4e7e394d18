// Recovery's last source, a block explorer: the primary anvil is killed, the alternative answers
// only errors, and the gap is recovered from an Etherscan-shaped API (test/peers/etherscan.ts)
// backed by a real anvil twin of the primary's chain (same genesis, same block timestamps, so the
// same hashes), verified against the blocks the monitor holds.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcFetcher } from '../../src/node/chain/fetcher';
import { ClassifiedError } from '../../src/node/chain/errors';
import { ExplorerFetcher, explorerFromConfig } from '../../src/node/chain/explorer';
import { parseConfigText } from '../../src/core/config';
import type { MissedBlock } from '../../src/core/model';
import { Recovery } from '../../src/node/recovery';
import { startAnvil, stopAllAnvils, type Anvil } from '../helpers/anvil';
import { guardProcess } from '../helpers/guard';
import { startProxy, type RpcProxy } from '../helpers/proxy';
import { mineAt } from '../helpers/service';
import { ExplorerPeer } from '../peers/etherscan';
import { gapMonitor } from '../helpers/monitorHarness';

guardProcess();
const KEY = 'K3Y-etherscan-7f1c2d9e';
const GENESIS = 1_800_000_000;
const peers: ExplorerPeer[] = [];
const proxies: RpcProxy[] = [];
const fetchers: RpcFetcher[] = [];
after(async () => {
  for (const f of fetchers) await f.close();
  for (const p of proxies) await p.close();
  for (const p of peers) await p.close();
  await stopAllAnvils();
});

/** A chain of 5 blocks 12 s apart from a fixed genesis: two nodes made this way hold the same hashes. */
async function chainNode(genesis = GENESIS): Promise<Anvil> {
  const node = await startAnvil({ extraArgs: ['--timestamp', String(genesis)] });
  for (let i = 1; i <= 5; i++) await mineAt(node, genesis + i * 12);
  return node;
}

async function hashOf(node: Anvil, n: number): Promise<string> {
  return (await node.rpc<{ hash: string }>('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])).hash;
}

function fetcher(label: string, url: string): RpcFetcher {
  const f = new RpcFetcher({ label, url }, { timeoutMs: 2_000, chainId: 31337 });
  fetchers.push(f);
  return f;
}

async function explorerPeer(node: Anvil, opts: { requireKey?: boolean } = {}): Promise<ExplorerPeer> {
  const p = new ExplorerPeer({ nodeUrl: node.url, apiKey: KEY, ...opts });
  peers.push(p);
  await p.start();
  return p;
}

function explorer(peer: ExplorerPeer, apiKey: string | undefined = KEY): ExplorerFetcher {
  return new ExplorerFetcher({ url: peer.url, apiKey, chainId: () => 31337, minIntervalMs: 0, timeoutMs: 2_000 });
}

/** A monitor that saw blocks 1 and 4 of `node`: gap records for 2 and 3. */
const monitorWithGap = (node: Anvil) => gapMonitor(fetcher('direct', node.url), { expectedBlockTimeMs: 12_000, maxBlockDelayMs: 600_000 });

function summary(r: MissedBlock): string {
  return `${r.block_number} ${r.reason} recovered=${r.recovered} attempts=${r.recovery_attempts}`;
}

describe('block explorer fallback in recovery', () => {
  test('primary killed, alternative failing: the gap is recovered from the explorer with the chain\'s hashes', async () => {
    const primary = await chainNode();
    const twin = await chainNode();
    const want = [await hashOf(primary, 2), await hashOf(primary, 3)];
    assert.deepEqual([await hashOf(twin, 2), await hashOf(twin, 3)], want, 'the twin holds the same chain');
    const { monitor, updates } = await monitorWithGap(primary);
    await primary.kill('SIGKILL');
    const alt = await startProxy(twin.url, { mode: 'rpcerror' });
    proxies.push(alt);
    const peer = await explorerPeer(twin);
    const rec = new Recovery({
      target: monitor,
      fetchers: [fetcher('primary', primary.url), fetcher('alt', alt.url), explorer(peer)],
      retryAttempts: 2,
      retryDelayMs: 50,
      neighbours: (n) => monitor.blockAt(n),
    });
    rec.kick();
    await rec.idle();
    // 2 tries on the primary, 1 on the alternative, then the explorer.
    assert.deepEqual(updates.map(summary), ['2 Unknown recovered=true attempts=4', '3 Unknown recovered=true attempts=4']);
    assert.deepEqual(updates.map((r) => r.block_hash), want);
    assert.equal(alt.stats.requests, 1, 'the alternative was tried once, before the explorer');
    assert.deepEqual(
      peer.requests.map((q) => `${q.get('module')} ${q.get('action')} ${q.get('tag')} ${q.get('boolean')} ${q.get('apikey')}`),
      [`proxy eth_getBlockByNumber 0x2 false ${KEY}`, `proxy eth_getBlockByNumber 0x3 false ${KEY}`],
    );
    assert.deepEqual(monitor.pending(), []);
  });

  test('an explorer serving another chain\'s blocks fails verification: InvalidBlock, not recovered', async () => {
    const primary = await chainNode();
    const other = await chainNode(GENESIS + 7);
    const { monitor, updates } = await monitorWithGap(primary);
    await primary.kill('SIGKILL');
    const rec = new Recovery({
      target: monitor,
      fetchers: [fetcher('primary', primary.url), explorer(await explorerPeer(other))],
      retryAttempts: 1,
      retryDelayMs: 50,
      neighbours: (n) => monitor.blockAt(n),
    });
    rec.kick();
    await rec.idle();
    assert.deepEqual(updates.map(summary), ['2 InvalidBlock recovered=false attempts=2', '3 InvalidBlock recovered=false attempts=2']);
  });

  test('"Max rate limit reached" is RateLimitExceeded; a bad key is RpcError; neither message shows the key', async () => {
    const node = await chainNode();
    const peer = await explorerPeer(node);
    peer.rateLimitNext(1);
    const limited = await explorer(peer).getBlock(2).catch((e: unknown) => e);
    assert.ok(limited instanceof ClassifiedError);
    assert.equal(limited.reason, 'RateLimitExceeded');
    assert.match(limited.message, /Max rate limit reached/);
    const wrongKey = 'WR0NG-key-4411aa';
    const refused = await explorer(peer, wrongKey).getBlock(2).catch((e: unknown) => e);
    assert.ok(refused instanceof ClassifiedError);
    assert.equal(refused.reason, 'RpcError');
    assert.match(refused.message, /Invalid API Key/);
    for (const e of [limited, refused]) {
      assert.ok(!e.message.includes(KEY) && !e.message.includes(wrongKey), e.message);
    }
    // The endpoint the recovery and records name carries no key either.
    const f = explorer(peer);
    assert.equal(f.endpoint.label, `explorer:${new URL(peer.url).host}`);
    assert.ok(!JSON.stringify(f.endpoint).includes(KEY));
    // After the limit, the same fetcher gets the block.
    assert.equal((await f.getBlock(2))?.hash, await hashOf(node, 2));
  });

  test('recovery that only meets rate limits ends as RateLimitExceeded', async () => {
    const primary = await chainNode();
    const { monitor, updates } = await monitorWithGap(primary);
    await primary.kill('SIGKILL');
    const peer = await explorerPeer(primary);
    peer.rateLimitNext(1_000);
    const rec = new Recovery({
      target: monitor,
      fetchers: [fetcher('primary', primary.url), explorer(peer)],
      retryAttempts: 1,
      retryDelayMs: 50,
      neighbours: (n) => monitor.blockAt(n),
    });
    rec.kick();
    await rec.idle();
    assert.deepEqual(updates.map(summary), ['2 RateLimitExceeded recovered=false attempts=2', '3 RateLimitExceeded recovered=false attempts=2']);
  });

  test('Blockscout (no key): [recovery] from the config file, key variable unset is a warning naming it', async () => {
    const node = await chainNode();
    const peer = await explorerPeer(node, { requireKey: false });
    const cfg = parseConfigText(`[recovery]\nexplorer_url = "${peer.url}"\nexplorer_api_key_env = "MBM_TEST_UNSET_KEY"\n`);
    const warnings: string[] = [];
    const f = explorerFromConfig(cfg.recovery, { env: {}, chainId: () => 31337, warn: (m) => warnings.push(m), extra: { minIntervalMs: 0 } });
    assert.ok(f);
    assert.deepEqual(warnings, [`recovery.explorer_api_key_env names MBM_TEST_UNSET_KEY, which is not set: asking explorer:${new URL(peer.url).host} without a key`]);
    assert.deepEqual(await f.getBlocks([2, 3]).then((bs) => bs.map((b) => b?.hash)), [await hashOf(node, 2), await hashOf(node, 3)]);
    assert.equal(peer.requests.every((q) => !q.has('apikey')), true);
    // With the variable set, the key goes into the request.
    const keyed = explorerFromConfig(cfg.recovery, { env: { MBM_TEST_UNSET_KEY: KEY }, chainId: () => 31337, extra: { minIntervalMs: 0 } });
    await keyed!.getBlock(1);
    assert.equal(peer.requests.at(-1)!.get('apikey'), KEY);
  });
});

describe('[recovery] config', () => {
  test('a key written into explorer_url is refused without echoing it', () => {
    assert.throws(
      () => parseConfigText('[recovery]\nexplorer_url = "https://api.etherscan.io/api?apikey=SECRET123"\n'),
      (e: Error) => /recovery\.explorer_url = "\(a URL with apikey=…\)": expected .*recovery\.explorer_api_key_env/.test(e.message) && !e.message.includes('SECRET123'),
    );
    assert.throws(() => parseConfigText('[recovery]\nexplorer_url = "ftp://x"\n'), /recovery\.explorer_url = "ftp:\/\/x": expected an http\(s\) URL/);
    assert.throws(() => parseConfigText('[recovery]\nexplorer_api_key_env = "MY KEY"\n'), /recovery\.explorer_api_key_env = "MY KEY": expected the name of an environment variable/);
    assert.throws(() => parseConfigText('[recovery]\nexplorer = "x"\n'), /recovery\.explorer = "x": expected one of the known keys of \[recovery\]: explorer_url, explorer_api_key_env/);
  });
});
