// `npm run bench:detect`: how long from anvil mining a block after an empty slot to its
// missed_slot record being in the log file (appended and fsynced), with the full MonitorService
// over WebSocket newHeads and unbatched logging. Prints p50/p90/p99 (goals on an idle machine: p99 ≤ 10 ms
// to the record made, ≤ 15 ms to the record fsynced). Not a test.
//
//   BENCH_SAMPLES=200 node bench/detect.mjs     (BENCH_QUICK=1: 20 samples)
//
// There is no anchor to alternate with: the goal is an absolute p99. A dated row goes to
// bench/RESULTS.md (bench/results.mjs).
//
// t0 is taken just before the evm_mine request leaves; t1 when the writer's flush of the record
// has resolved (the fsync done). A normal block between samples keeps each record its own event.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { appendResult, loadText, percentile, QUICK, verdict } from './results.mjs';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? (QUICK ? 20 : 200));
const GOAL_P99_MS = 15;
const GOAL_MADE_P99_MS = 10;

const load = (p) => tsImport(p, import.meta.url);
const { startAnvil } = await load('../src/node/chain/anvil.ts');
const { defaultConfig } = await load('../src/core/config.ts');
const { endpointsFromUrls } = await load('../src/node/endpoints.ts');
const { MonitorService } = await load('../src/node/service.ts');

const pct = percentile;

const dir = mkdtempSync(path.join(tmpdir(), 'mbm-bench-detect-'));
const node = await startAnvil();
process.stderr.write(`anvil at ${node.wsUrl}\n`);
const config = defaultConfig();
Object.assign(config.monitoring, { expectedBlockTimeMs: 1000, expectedBlockTimeExplicit: true, maxBlockDelayMs: 600_000, alertThreshold: 1_000_000 });
Object.assign(config.logging, { logFilePath: path.join(dir, 'missed_blocks.jsonl'), batchLogging: false, enableConsoleLogging: false });
const svc = new MonitorService({ config, endpoints: endpointsFromUrls([node.wsUrl]), checkpointPath: false });

/** Resolves with the time the record for block n is in the file. */
const written = new Map();
svc.on('record', (r, change) => {
  const w = written.get(r.block_number);
  if (!w || change !== 'new' || r.kind !== 'missed_slot') return;
  written.delete(r.block_number);
  const detected = performance.now();
  void svc.flush().then(() => w({ detected, written: performance.now() }));
});

try {
  await svc.start();
  const latest = async () => {
    const b = await node.rpc('eth_getBlockByNumber', ['latest', false]);
    return { number: Number(b.number), timestamp: Number(b.timestamp) };
  };
  // Chain time well ahead of the wall clock: no block can look late, no slot timer runs out.
  let { number, timestamp } = await latest();
  timestamp = Math.max(timestamp, Math.floor(Date.now() / 1000)) + 60;
  await node.setNextTimestamp(timestamp);
  await node.rpc('evm_mine', []);
  number++;
  const lat = [];
  const det = [];
  for (let i = 0; i < SAMPLES + 10; i++) {
    timestamp += 2; // one empty slot before this block
    await node.setNextTimestamp(timestamp);
    const n = ++number;
    const done = new Promise((resolve, reject) => {
      written.set(n, resolve);
      setTimeout(() => reject(new Error(`no record for block ${n} within 5 s`)), 5_000).unref();
    });
    const t0 = performance.now();
    await node.rpc('evm_mine', []);
    const t1 = await done;
    // The first few warm up the JIT and the connection.
    if (i >= 10) {
      lat.push(t1.written - t0);
      det.push(t1.detected - t0);
    }
    timestamp += 1; // a block in step
    await node.setNextTimestamp(timestamp);
    await node.rpc('evm_mine', []);
    number++;
  }
  const p50 = pct(lat, 50);
  const p99 = pct(lat, 99);
  process.stdout.write(
    `mine → record in file (WebSocket newHeads, unbatched log with fsync), ${lat.length} samples; load average ${loadText()}\n` +
      `  record in file:  p50 ${p50.toFixed(1)} ms  p90 ${pct(lat, 90).toFixed(1)} ms  p99 ${p99.toFixed(1)} ms  max ${Math.max(...lat).toFixed(1)} ms\n` +
      `  record made:     p50 ${pct(det, 50).toFixed(1)} ms  p90 ${pct(det, 90).toFixed(1)} ms  p99 ${pct(det, 99).toFixed(1)} ms (the rest is append + fsync)\n` +
      `  goals (idle machine) p99 ≤ ${GOAL_MADE_P99_MS} ms made: ${verdict(pct(det, 99) <= GOAL_MADE_P99_MS)}, p99 ≤ ${GOAL_P99_MS} ms in file: ${verdict(p99 <= GOAL_P99_MS)}\n`,
  );
  appendResult({
    bench: 'detect',
    title: `Detection latency over WebSocket newHeads on anvil: evm_mine after an empty slot → its missed_slot record appended and fsynced by the full MonitorService, unbatched log (\`bench/detect.mjs\`). Goals on an idle machine: p99 ≤ ${GOAL_MADE_P99_MS} ms to the record made, ≤ ${GOAL_P99_MS} ms to the record in the file.`,
    note: '**in file**: mine → record in the file (fsync done); **made**: mine → record emitted (before the append); percentiles over the samples after 10 warm-up ones.',
    row: {
      samples: lat.length,
      'in file p50 ms': p50.toFixed(1),
      'in file p90 ms': pct(lat, 90).toFixed(1),
      'in file p99 ms': p99.toFixed(1),
      'in file max ms': Math.max(...lat).toFixed(1),
      'made p50/p90/p99 ms': `${pct(det, 50).toFixed(1)} / ${pct(det, 90).toFixed(1)} / ${pct(det, 99).toFixed(1)}`,
      goal: `made p99 ≤ ${GOAL_MADE_P99_MS} ms ${verdict(pct(det, 99) <= GOAL_MADE_P99_MS)}, in file p99 ≤ ${GOAL_P99_MS} ms ${verdict(p99 <= GOAL_P99_MS)}`,
    },
  });
} finally {
  await svc.stop();
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
