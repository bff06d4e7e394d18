// `npm run bench:backfill`: backfilling 5,000 blocks from a local anvil with our path (JSON-RPC
// batches, windows in flight, node/backfill.ts) against a plain sequential getBlock loop, in the
// same run, both feeding the same monitor. Prints medians and the ratio (goal ≥ 10×). Not a test.
//
//   BENCH_BLOCKS=5000 BENCH_ROUNDS=3 node bench/backfill.mjs     (BENCH_QUICK=1: 300 blocks, 2 rounds)
//
// The sources are loaded through tsx (a dev dependency), so no build of the core is needed.
import { tsImport } from 'tsx/esm/api';
import { appendResult, loadText, median, QUICK, verdict } from './results.mjs';

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? (QUICK ? 300 : 5000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 3));
const GOAL = 10;

const load = (p) => tsImport(p, import.meta.url);
const { startAnvil } = await load('../src/node/chain/anvil.ts');
const { RpcFetcher } = await load('../src/node/chain/fetcher.ts');
const { backfill } = await load('../src/node/backfill.ts');
const { BlockMonitor } = await load('../src/core/monitor.ts');
const { DEFAULT_MONITORING } = await load('../src/core/config.ts');

const node = await startAnvil();
try {
  // In chunks: anvil_mine slows down as the chain grows, and one call must stay within the RPC timeout.
  for (let left = BLOCKS; left > 0; left -= 100) await node.rpc('anvil_mine', [`0x${Math.min(100, left).toString(16)}`]);
  const head = await node.blockNumber();
  process.stderr.write(`anvil ${node.url}: ${head} blocks; load average ${loadText()}\n`);

  const freshMonitor = async (fetcher) => {
    const m = new BlockMonitor({ ...DEFAULT_MONITORING, expectedBlockTimeMs: 1000 }, { source: 'bench' });
    m.seed(await fetcher.getBlock(0));
    return m;
  };

  async function batched() {
    const fetcher = new RpcFetcher({ label: 'bench', url: node.url });
    const m = await freshMonitor(fetcher);
    const t = performance.now();
    const res = await backfill({ fetcher, from: 1, to: head, onBlock: (b) => void m.processBlock(b, { historical: true }) });
    const ms = performance.now() - t;
    await fetcher.close();
    if (res.count !== head) throw new Error(`batched backfill delivered ${res.count} of ${head}`);
    return ms;
  }

  async function sequential() {
    const fetcher = new RpcFetcher({ label: 'bench', url: node.url });
    const m = await freshMonitor(fetcher);
    const t = performance.now();
    for (let n = 1; n <= head; n++) m.processBlock(await fetcher.getBlock(n), { historical: true });
    const ms = performance.now() - t;
    await fetcher.close();
    return ms;
  }

  const runs = { batched: [], sequential: [] };
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate, so drift on a shared machine hits both alike.
    runs.batched.push(await batched());
    runs.sequential.push(await sequential());
    process.stderr.write(`round ${i + 1}: batched ${runs.batched[i].toFixed(0)} ms, sequential ${runs.sequential[i].toFixed(0)} ms\n`);
  }
  const b = median(runs.batched);
  const s = median(runs.sequential);
  const ratio = s / b;
  process.stdout.write(
    `backfill of ${head} blocks (median of ${ROUNDS}):\n` +
      `  batched (node/backfill.ts)   ${b.toFixed(0).padStart(7)} ms  ${((head / b) * 1000).toFixed(0)} blocks/s\n` +
      `  sequential getBlock loop     ${s.toFixed(0).padStart(7)} ms  ${((head / s) * 1000).toFixed(0)} blocks/s\n` +
      `  ratio ${ratio.toFixed(1)}× (goal ≥ ${GOAL}×: ${verdict(ratio >= GOAL)})\n`,
  );
  appendResult({
    bench: 'backfill',
    title: `Backfill from a local anvil: \`node/backfill.ts\` (JSON-RPC batches, windows in flight) vs a sequential getBlock loop, both feeding a BlockMonitor (\`bench/backfill.mjs\`). Goal: ≥ ${GOAL}×.`,
    note: '**blocks**: blocks backfilled per run; **batched/sequential ms**: median wall time; **ratio**: sequential ÷ batched.',
    row: {
      blocks: head,
      rounds: ROUNDS,
      'batched ms': b.toFixed(0),
      'sequential ms': s.toFixed(0),
      'batched blocks/s': ((head / b) * 1000).toFixed(0),
      ratio: `${ratio.toFixed(1)}×`,
      goal: `≥ ${GOAL}× ${verdict(ratio >= GOAL)}`,
    },
  });
} finally {
  await node.stop();
}
