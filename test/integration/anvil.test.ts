// The anvil harness itself (src/node/chain/anvil.ts via test/helpers/anvil.ts): the tests and
// `mbm demo` rely on each of these behaviours.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants } from 'node:fs';
import { anvilBinary, freePort, startAnvil, stopAllAnvils, waitPersisted } from '../helpers/anvil';
import { guardProcess } from '../helpers/guard';
import { waitFor } from '../helpers/wait';

guardProcess();
after(stopAllAnvils);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('anvilBinary is an executable file', () => {
  accessSync(anvilBinary(), constants.X_OK);
});

test('given port, chain id, mining, timestamps and reorgs', async () => {
  const port = await freePort();
  const a = await startAnvil({ port, chainId: 99 });
  assert.equal(a.url, `http://127.0.0.1:${port}`);
  assert.equal(a.wsUrl, `ws://127.0.0.1:${port}`);
  assert.equal(Number(await a.rpc<string>('eth_chainId')), 99);
  assert.equal(await a.mine(), 1);
  assert.equal(await a.mine(4), 5);
  await a.setNextTimestamp(2_000_000_000);
  await a.mine();
  const b6 = await a.rpc<{ timestamp: string }>('eth_getBlockByNumber', ['0x6', false]);
  assert.equal(Number(b6.timestamp), 2_000_000_000);
  const before = await a.rpc<{ hash: string }>('eth_getBlockByNumber', ['0x5', false]);
  await a.reorg(2);
  const after5 = await a.rpc<{ hash: string }>('eth_getBlockByNumber', ['0x5', false]);
  assert.notEqual(after5.hash, before.hash, 'block 5 was replaced');
  assert.equal(await a.blockNumber(), 6, 'same height after the reorg');
});

test('interval mining on and off', async () => {
  const a = await startAnvil({ blockTime: 1 });
  await waitFor(async () => (await a.blockNumber()) >= 1, { what: 'an interval-mined block', timeoutMs: 5_000 });
  await a.setIntervalMining(0);
  const stuck = await a.blockNumber();
  await a.mine(3);
  assert.equal(await a.blockNumber(), stuck + 3);
});

test('kill -9 is an outage; restart on the same port brings the persisted chain back', async () => {
  const a = await startAnvil({ persist: true });
  await a.mine(5);
  const hash5 = (await a.rpc<{ hash: string }>('eth_getBlockByNumber', ['0x5', false])).hash;
  await waitPersisted(a, 5);
  const pid = a.pid!;
  await a.kill();
  assert.equal(alive(pid), false);
  assert.equal(a.running, false);
  await assert.rejects(a.rpc('eth_blockNumber'), { reason: 'ConnectionLost' });
  await a.restart();
  assert.notEqual(a.pid, pid);
  assert.equal((await a.rpc<{ hash: string }>('eth_getBlockByNumber', ['0x5', false])).hash, hash5);
});

test('stop() ends the process and its group', async () => {
  const a = await startAnvil();
  const pid = a.pid!;
  await a.stop();
  assert.equal(alive(pid), false);
  assert.equal(alive(-pid), false, 'no process left in the group');
});
