// `node bench/expect.mjs`: how long judging 200 expectations for one block takes against a local
// anvil — 100 transactions in the block (nothing to write) and 100 missing from it (half of them
// calls that revert with Panic(0x12)), all real signed transactions. Judging = decoding the raw
// transactions (sender recovery), the block, the senders' nonces and balances at the parent, one
// simulation per missing transaction (eth_simulateV1 on anvil) and the records. Goal: < 1 s.
// Not a test: run it by hand; a dated row goes to bench/RESULTS.md (bench/results.mjs).
//
//   BENCH_ROUNDS=5 node bench/expect.mjs     (BENCH_QUICK=1: 2 rounds, not recorded)
import { Interface } from 'ethers';
import { tsImport } from 'tsx/esm/api';
import path from 'node:path';
import { appendResult, median, QUICK, root, verdict } from './results.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 5));
const GOAL_MS = 1000;
const load = (p) => tsImport(p, import.meta.url);
const { startAnvil } = await load('../src/node/chain/anvil.ts');
const { HttpRpcClient } = await load('../src/node/chain/rpc.ts');
const { parseExpectations } = await load('../src/core/expectations.ts');
const { judgeExpectations } = await load('../src/node/expect/judge.ts');
const { Simulator } = await load('../src/node/expect/simulate.ts');
/** BENCH_METHOD=eth_call (or debug_traceCall): force one simulation method, for comparison. */
const METHOD = process.env.BENCH_METHOD;
const { devWallet, mineWith, signTx } = await load('../test/helpers/txs.ts');
const { compileFixture } = await load('../test/helpers/solidity.ts');

const node = await startAnvil({ extraArgs: ['--no-mining'] });
try {
  const reverter = compileFixture('Reverter.sol', 'Reverter', path.join(root, 'test', 'fixtures'));
  const deployer = devWallet(12);
  await node.rpc('anvil_setBalance', [deployer.address, '0xde0b6b3a7640000']);
  const d = await signTx(deployer, { nonce: 0, to: null, data: reverter.bytecode, gasLimit: 1_000_000n });
  await mineWith(node, [d.raw]);
  const { contractAddress } = await node.rpc('eth_getTransactionReceipt', [d.hash]);
  const divide = new Interface(reverter.abi).encodeFunctionData('divide', [1, 0]);

  const included = [];
  const missing = [];
  for (let s = 0; s < 10; s++) {
    for (let k = 0; k < 20; k++) {
      const w = devWallet(s);
      if (s < 5) included.push(await signTx(w, { nonce: k, to: devWallet(9 - s).address, value: 1n }));
      else missing.push(await signTx(w, k % 2 ? { nonce: k, to: contractAddress, data: divide, gasLimit: 100_000n } : { nonce: k, to: devWallet(9 - s).address, value: 1n }));
    }
  }
  const n = await mineWith(node, included.map((t) => t.raw));
  const text = [...included, ...missing].map((t) => JSON.stringify({ block: n, raw: t.raw })).join('\n');

  const times = [];
  const cpu = [];
  let last;
  for (let i = 0; i < ROUNDS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    // Parsing included: a fresh client and simulator each round (the method probe is paid every time).
    const { expectations } = parseExpectations(text);
    const rpc = new HttpRpcClient(node.url);
    last = await judgeExpectations(expectations, { rpc, alertThreshold: 5, ...(METHOD ? { simulator: new Simulator(rpc, [METHOD]) } : {}) });
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const byReason = {};
  for (const r of last.records) byReason[`${r.reason}/${r.metadata.verdict}`] = (byReason[`${r.reason}/${r.metadata.verdict}`] ?? 0) + 1;
  const med = median(times);
  process.stdout.write(
    `200 expectations for block ${n}: ${last.included} included, ${last.records.length} missed ${JSON.stringify(byReason)} via ${last.records[0]?.metadata.simulation}\n` +
      `  median ${med.toFixed(1)} ms over ${ROUNDS} rounds (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}); this process's CPU ${median(cpu).toFixed(1)} ms; goal < ${GOAL_MS} ms ${verdict(med < GOAL_MS)}\n`,
  );
  if (last.included !== 100 || last.records.length !== 100) throw new Error('unexpected verdicts: the benchmark set-up is broken');
  appendResult({
    bench: 'expect',
    title: `Judging 200 expectations for one block on a local anvil: 100 included, 100 missing (50 reverting calls), real signed transactions (\`bench/expect.mjs\`). Goal: < ${GOAL_MS} ms.`,
    note: "**ms**: wall time from parsing the JSON Lines to the records, median over the rounds; **cpu ms**: this process's CPU time in that (decoding, sender recovery of the 100 missing, JSON), median — the rest is anvil's work and waiting; **simulation**: the method the node offered.",
    row: {
      expectations: 200,
      rounds: ROUNDS,
      'median ms': med.toFixed(1),
      'max ms': Math.max(...times).toFixed(1),
      'cpu ms': median(cpu).toFixed(1),
      simulation: last.records[0]?.metadata.simulation,
      goal: `< ${GOAL_MS} ms ${verdict(med < GOAL_MS)}`,
    },
  });
} finally {
  await node.stop();
}
