// `[rpc]` of the TOML config: urls (with ${NAME}), url_env, urls_env, chain_id. Errors name the key
// and the variable, never a URL (provider URLs carry API keys).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/core/config';
import { parseRpcConfig } from '../../src/node/rpcConfig';
import { watchServiceOptions } from '../../src/cli/commands/watch';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const KEY = 'SECRETKEY0123456789abcdef';
const rpc = (toml: string, env: Record<string, string> = {}) => parseRpcConfig(parseConfigText(`[rpc]\n${toml}\n`), env);
const problem = (toml: string, env: Record<string, string> = {}) => {
  try {
    rpc(toml, env);
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

test('urls, url_env, urls_env and chain_id', () => {
  assert.deepEqual(rpc('urls = ["ws://127.0.0.1:8546", "https://x.example/v3/${KEY}"]', { KEY }), { urls: ['ws://127.0.0.1:8546', `https://x.example/v3/${KEY}`] });
  assert.deepEqual(rpc('url_env = "MBM_RPC"', { MBM_RPC: `wss://x.example/${KEY}` }), { urls: [`wss://x.example/${KEY}`] });
  assert.deepEqual(rpc('urls_env = "MBM_RPCS"\nchain_id = 10', { MBM_RPCS: `ws://a:1/${KEY}, http://b:2/${KEY} http://c:3` }), {
    urls: [`ws://a:1/${KEY}`, `http://b:2/${KEY}`, 'http://c:3'],
    chainId: 10,
  });
  assert.deepEqual(parseRpcConfig(parseConfigText('')), {});
});

test('bad [rpc] values name the key and the form, never the URL', () => {
  assert.equal(problem('url_env = "MBM_RPC"'), 'rpc.url_env = "MBM_RPC": expected the environment variable MBM_RPC to be set and non-empty');
  assert.equal(problem('url_env = "MBM_RPC"\nurls = ["http://a:1"]'), 'rpc.url_env = "MBM_RPC": expected only one of rpc.urls, rpc.url_env, rpc.urls_env (choose one)');
  assert.equal(problem(`urls = "https://x.example/v3/${KEY}"`), 'rpc.urls = "(not shown: may hold an API key)": expected a non-empty list of URL strings');
  assert.equal(problem('chain_id = "one"'), 'rpc.chain_id = "one": expected a whole number > 0 (the chain id eth_chainId answers)');
  assert.equal(problem('url = "http://a:1"'), 'rpc.url = "(not shown)": expected one of the known keys of [rpc]: urls, url_env, urls_env, chain_id');
});

test('mbm watch takes its endpoints and the expected chain from [rpc]', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-rpccfg-'));
  try {
    const file = path.join(dir, 'mbm.toml');
    writeFileSync(file, '[rpc]\nurl_env = "MBM_TEST_RPC_CFG"\nchain_id = 31337\n');
    process.env.MBM_TEST_RPC_CFG = `http://127.0.0.1:8545/v3/${KEY}`;
    const o = watchServiceOptions({ config: file });
    assert.deepEqual(o.endpoints, [{ url: `http://127.0.0.1:8545/v3/${KEY}`, label: '127.0.0.1:8545' }]);
    assert.deepEqual(o.source, { expectChainId: 31337 });
  } finally {
    delete process.env.MBM_TEST_RPC_CFG;
    rmSync(dir, { recursive: true, force: true });
  }
});
