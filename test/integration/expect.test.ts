// Expected transactions judged against a real anvil with real signed transactions (anvil's dev
// accounts, ethers): each fault is crafted on the node, each gives exactly one tx_missed record
// with the right reason and detail, and transactions that landed give none.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Interface } from 'ethers';
import { parseExpectations } from '../../src/core/expectations';
import { computeStreaks } from '../../src/core/streaks';
import { recordKey, toLogLine } from '../../src/core/model';
import { HttpRpcClient, type RpcTransport } from '../../src/node/chain/rpc';
import { Simulator } from '../../src/node/expect/simulate';
import { waitFor } from '../helpers/wait';
import { judgeExpectations } from '../../src/node/expect/judge';
import { parseLogLine } from '../../src/node/log/validate';
import { startAnvil, stopAllAnvils, type Anvil } from '../helpers/anvil';
import { compileFixture } from '../helpers/solidity';
import { devWallet, mineWith, signTx, GWEI, blockTxs } from '../helpers/txs';

after(stopAllAnvils);

function judge(node: Anvil, lines: object[], o: { confirmations?: number } = {}) {
  const parsed = parseExpectations(lines.map((l) => JSON.stringify(l)).join('\n'));
  assert.deepEqual(parsed.errors, []);
  return judgeExpectations(parsed.expectations, { rpc: new HttpRpcClient(node.url), source: `127.0.0.1:${node.port}`, alertThreshold: 5, waitTimeoutMs: 10_000, pollIntervalMs: 50, ...o });
}

describe('expected transactions on anvil', () => {
  let node: Anvil;
  let contract: string;
  const reverter = compileFixture('Reverter.sol', 'Reverter');

  before(async () => {
    node = await startAnvil({ extraArgs: ['--no-mining'] });
    const deployer = devWallet(9);
    const d = await signTx(deployer, { nonce: 0, to: null, data: reverter.bytecode, gasLimit: 1_000_000n });
    const n = await mineWith(node, [d.raw]);
    const receipt = await node.rpc<{ contractAddress: string; blockNumber: string }>('eth_getTransactionReceipt', [d.hash]);
    assert.equal(Number(receipt.blockNumber), n);
    contract = receipt.contractAddress;
  });

  test('transactions that landed in their block give no record (raw and hash)', async () => {
    const w = devWallet(0);
    const a = await signTx(w, { nonce: 0, to: devWallet(1).address, value: 1n });
    const b = await signTx(w, { nonce: 1, to: devWallet(1).address, value: 2n });
    const n = await mineWith(node, [a.raw, b.raw]);
    assert.deepEqual((await blockTxs(node, n)).sort(), [a.hash, b.hash].sort());
    const res = await judge(node, [
      { block: n, raw: a.raw },
      { block: n, hash: b.hash },
    ]);
    assert.deepEqual(res.records, []);
    assert.equal(res.included, 2);
    assert.equal(res.judged, 2);
    assert.deepEqual(res.failures, []);
  });

  test('a nonce one ahead is NonceMismatch (expected 0, actual 1)', async () => {
    const w = devWallet(1);
    const t = await signTx(w, { nonce: 1, to: devWallet(2).address, value: 1n });
    const n = await mineWith(node);
    const res = await judge(node, [{ block: n, raw: t.raw }]);
    assert.equal(res.records.length, 1);
    const r = res.records[0];
    assert.equal(r.kind, 'tx_missed');
    assert.equal(r.reason, 'NonceMismatch');
    assert.equal(r.block_number, n);
    assert.equal(r.metadata.tx_hash, t.hash);
    assert.equal(r.metadata.sender, w.address);
    assert.equal(r.metadata.nonce_expected, '0');
    assert.equal(r.metadata.nonce_actual, '1');
    assert.equal(r.metadata.simulation, 'state_reads');
    assert.equal(parseLogLine(toLogLine(r)).ok, true);
  });

  test('a nonce one behind is NonceMismatch (expected 1, actual 0)', async () => {
    const w = devWallet(2);
    const first = await signTx(w, { nonce: 0, to: devWallet(3).address, value: 1n });
    await mineWith(node, [first.raw]);
    const stale = await signTx(w, { nonce: 0, to: devWallet(3).address, value: 7n });
    const n = await mineWith(node);
    const res = await judge(node, [{ block: n, raw: stale.raw }]);
    assert.equal(res.records.length, 1);
    assert.equal(res.records[0].reason, 'NonceMismatch');
    assert.equal(res.records[0].metadata.nonce_expected, '1');
    assert.equal(res.records[0].metadata.nonce_actual, '0');
  });

  test('too little balance (anvil_setBalance) is InsufficientFunds', async () => {
    const w = devWallet(3);
    await node.rpc('anvil_setBalance', [w.address, '0x3e8']); // 1000 wei
    await mineWith(node);
    const t = await signTx(w, { nonce: 0, to: devWallet(4).address, value: 5n });
    const n = await mineWith(node);
    const res = await judge(node, [{ block: n, raw: t.raw }]);
    assert.equal(res.records.length, 1);
    const r = res.records[0];
    assert.equal(r.reason, 'InsufficientFunds');
    assert.equal(r.metadata.balance, '1000');
    // 21000 gas × 3 gwei fee cap + 5 wei
    assert.equal(r.metadata.cost, '63000000000005');
  });

  test('reverts are ContractRevert, decoded: Error(string), Panic(0x12), a custom error of the given ABI', async () => {
    const w = devWallet(4);
    const iface = new Interface(reverter.abi as never);
    const call = (nonce: number, data: string) => signTx(w, { nonce, to: contract, data, gasLimit: 100_000n });
    const s = await call(0, iface.encodeFunctionData('failWithString'));
    const p = await call(1, iface.encodeFunctionData('divide', [1, 0]));
    const c = await call(2, iface.encodeFunctionData('atLeastTen', [3]));
    const n = await mineWith(node);
    const res = await judge(node, [
      { block: n, raw: s.raw },
      { block: n, raw: p.raw },
      { block: n, raw: c.raw, abi: ['error TooLow(uint256 given, uint256 minimum)'] },
    ]);
    assert.equal(res.records.length, 3);
    const byHash = new Map(res.records.map((r) => [r.metadata.tx_hash, r]));
    assert.deepEqual(
      [s.hash, p.hash, c.hash].map((h) => [byHash.get(h)?.reason, byHash.get(h)?.metadata.revert, byHash.get(h)?.metadata.revert_kind]),
      [
        ['ContractRevert', 'Error("not today")', 'Error'],
        ['ContractRevert', 'Panic(0x12: division or modulo by zero)', 'Panic'],
        ['ContractRevert', 'TooLow(3, 10)', 'custom'],
      ],
    );
    // The sender's later transactions expected the nonces after its earlier ones, not a mismatch.
    assert.deepEqual(res.records.map((r) => r.metadata.nonce_expected), ['0', '1', '2']);
    assert.equal(res.records[0].metadata.simulation, 'eth_simulateV1');
    // Three records of one block, told apart by their transaction.
    assert.equal(new Set(res.records.map(recordKey)).size, 3);
  });

  test('a valid transaction held out of the block (anvil_dropTransaction) is Unknown, verdict not_included', async () => {
    const held = await signTx(devWallet(5), { nonce: 0, to: devWallet(6).address, value: 1n });
    const landed = await signTx(devWallet(6), { nonce: 0, to: devWallet(5).address, value: 1n });
    await node.rpc('eth_sendRawTransaction', [held.raw]);
    await node.rpc('anvil_dropTransaction', [held.hash]);
    const n = await mineWith(node, [landed.raw]);
    assert.deepEqual(await blockTxs(node, n), [landed.hash]);
    const res = await judge(node, [
      { block: n, raw: held.raw, bundle: 'b-1', note: 'kept' },
      { block: n, raw: landed.raw, bundle: 'b-1' },
    ]);
    assert.equal(res.records.length, 1);
    const r = res.records[0];
    assert.equal(r.reason, 'Unknown');
    assert.equal(r.metadata.verdict, 'not_included');
    assert.equal(r.metadata.tx_hash, held.hash);
    assert.equal(r.metadata.bundle, 'b-1');
    assert.equal(r.metadata.simulation, 'eth_simulateV1');
    assert.deepEqual(r.metadata.expectation, { note: 'kept' });
  });

  test('a bundle with two missing members is two records and one incident (one streak)', async () => {
    const w = devWallet(7);
    const a = await signTx(w, { nonce: 0, to: devWallet(8).address, value: 1n });
    const b = await signTx(w, { nonce: 1, to: contract, data: new Interface(reverter.abi as never).encodeFunctionData('failWithString'), gasLimit: 100_000n });
    const n = await mineWith(node);
    const res = await judge(node, [
      { block: n, raw: a.raw, bundle: 'arb-7' },
      { block: n, raw: b.raw, bundle: 'arb-7' },
    ]);
    assert.deepEqual(res.records.map((r) => [r.reason, r.metadata.bundle]), [
      ['Unknown', 'arb-7'],
      ['ContractRevert', 'arb-7'],
    ]);
    assert.equal(computeStreaks(res.records).streaks.length, 1);
  });

  test('a hash the node never saw is Unknown, verdict unknown_tx', async () => {
    const n = await mineWith(node);
    const hash = `0x${'ab'.repeat(32)}`;
    const res = await judge(node, [{ block: n, hash }]);
    assert.equal(res.records.length, 1);
    assert.equal(res.records[0].metadata.verdict, 'unknown_tx');
    assert.equal(res.records[0].metadata.simulation, 'none');
    assert.equal(res.records[0].metadata.tx_hash, hash);
  });

  test('with confirmations the target is judged only once enough blocks are on top', async () => {
    const t = await signTx(devWallet(8), { nonce: 5, to: devWallet(0).address, value: 1n });
    const n = await mineWith(node);
    // Counts the judge's looks at the head, so the test waits for those instead of for time.
    const inner = new HttpRpcClient(node.url);
    let looks = 0;
    const rpc: RpcTransport = {
      call: (m, p) => (m === 'eth_blockNumber' && looks++, inner.call(m, p)),
      batch: (c) => inner.batch(c),
      close: () => inner.close(),
    };
    let settled = false;
    const parsed = parseExpectations(JSON.stringify({ block: n, raw: t.raw }));
    const pending = judgeExpectations(parsed.expectations, { rpc, alertThreshold: 5, confirmations: 2, waitTimeoutMs: 10_000, pollIntervalMs: 20 }).then((r) => ((settled = true), r));
    await mineWith(node);
    const seen = looks;
    // Two more looks at a head one block on top of the target: not yet final enough.
    await waitFor(() => looks >= seen + 2 || undefined, { timeoutMs: 5_000, what: 'the judge polling the head' });
    assert.equal(settled, false);
    await mineWith(node);
    const res = await pending;
    assert.equal(res.records.length, 1);
    assert.equal(res.records[0].block_number, n);
  });

  test('eth_simulateV1 runs a block\'s missing transactions in order: a bundle\'s second member sees its first', async () => {
    const w = devWallet(13);
    await node.rpc('anvil_setBalance', [w.address, '0xde0b6b3a7640000']); // 1 ETH
    const d = await signTx(w, { nonce: 0, to: null, data: reverter.bytecode, gasLimit: 1_000_000n });
    await mineWith(node, [d.raw]);
    const { contractAddress: fresh } = await node.rpc<{ contractAddress: string }>('eth_getTransactionReceipt', [d.hash]);
    const iface = new Interface(reverter.abi as never);
    const first = await signTx(w, { nonce: 1, to: fresh, data: iface.encodeFunctionData('bump'), gasLimit: 100_000n });
    const second = await signTx(w, { nonce: 2, to: fresh, data: iface.encodeFunctionData('requireCount', [1]), gasLimit: 100_000n });
    const n = await mineWith(node);
    const lines = [
      { block: n, raw: first.raw, bundle: 'seq' },
      { block: n, raw: second.raw, bundle: 'seq' },
    ];
    const inOrder = await judge(node, lines);
    assert.deepEqual(inOrder.records.map((r) => [r.metadata.verdict, r.metadata.simulation]), [
      ['not_included', 'eth_simulateV1'],
      ['not_included', 'eth_simulateV1'],
    ]);
    // eth_call runs each on its own at the parent state: there the second one reverts.
    const rpc = new HttpRpcClient(node.url);
    const parsed = parseExpectations(lines.map((l) => JSON.stringify(l)).join('\n'));
    const alone = await judgeExpectations(parsed.expectations, { rpc, alertThreshold: 5, simulator: new Simulator(rpc, ['eth_call']) });
    assert.deepEqual(alone.records.map((r) => r.metadata.revert ?? null), [null, 'Error("count differs")']);
  });

  for (const method of ['debug_traceCall', 'eth_call'] as const) {
    test(`falling back to ${method}, the same reverts decode the same way and the record says ${method}`, async () => {
      const w = devWallet(method === 'eth_call' ? 10 : 11);
      await node.rpc('anvil_setBalance', [w.address, '0xde0b6b3a7640000']); // 1 ETH
      await mineWith(node);
      const iface = new Interface(reverter.abi as never);
      const s = await signTx(w, { nonce: 0, to: contract, data: iface.encodeFunctionData('failWithString'), gasLimit: 100_000n });
      const c = await signTx(w, { nonce: 1, to: contract, data: iface.encodeFunctionData('atLeastTen', [4]), gasLimit: 100_000n });
      const ok = await signTx(w, { nonce: 2, to: contract, data: iface.encodeFunctionData('bump'), gasLimit: 100_000n });
      const n = await mineWith(node);
      const parsed = parseExpectations(
        [{ block: n, raw: s.raw }, { block: n, raw: c.raw, abi: reverter.abi }, { block: n, raw: ok.raw }].map((l) => JSON.stringify(l)).join('\n'),
      );
      const rpc = new HttpRpcClient(node.url);
      const res = await judgeExpectations(parsed.expectations, { rpc, alertThreshold: 5, simulator: new Simulator(rpc, [method]) });
      assert.deepEqual(
        res.records.map((r) => [r.reason, r.metadata.verdict, r.metadata.revert ?? null, r.metadata.simulation]),
        [
          ['ContractRevert', 'reverted', 'Error("not today")', method],
          ['ContractRevert', 'reverted', 'TooLow(4, 10)', method],
          ['Unknown', 'not_included', null, method],
        ],
      );
    });
  }
});

describe('expected transactions on anvil with a small block gas limit', () => {
  test('gas above the block gas limit, or above the gas left in the block, is GasLimitExceeded', async () => {
    const node = await startAnvil({ extraArgs: ['--no-mining', '--gas-limit', '100000'] });
    const big = await signTx(devWallet(0), { nonce: 0, to: devWallet(1).address, value: 1n, gasLimit: 150_000n });
    const filler = await signTx(devWallet(2), { nonce: 0, to: devWallet(1).address, value: 1n });
    const tight = await signTx(devWallet(3), { nonce: 0, to: devWallet(1).address, value: 1n, gasLimit: 90_000n, maxFeePerGas: 3n * GWEI });
    const n = await mineWith(node, [filler.raw]);
    const res = await judge(node, [
      { block: n, raw: big.raw },
      { block: n, raw: filler.raw },
      { block: n, raw: tight.raw },
    ]);
    assert.deepEqual(
      res.records.map((r) => [r.reason, r.metadata.detail]),
      [
        ['GasLimitExceeded', 'gas limit 150000 > block gas limit 100000'],
        ['GasLimitExceeded', 'gas limit 90000 > 79000 gas left in the block'],
      ],
    );
  });
});
