// `npm run bench:writer`: records/s of the core's JSONL writer (src/node/log/writer.ts) against
// pino 10 writing the same objects to a file. Goal: ours ≥ 1× pino. Not a test.
//
//   BENCH_WRITES=200000 BENCH_ROUNDS=5 node bench/writer.mjs
//
// What each side does, timed from the first write() to the data being on disk:
// - ours: JsonlWriter with the logger defaults (writerOptionsFrom(defaultConfig().logging): batch
//   logging on, batch_size 100, fsync true), i.e. per batch of 100 one open('a') + append + fsync +
//   close. Two changes, both to match pino: rotationSize 0 (pino does not rotate) and maxQueued N
//   (the producer below writes everything at once; the default 100,000 cap would drop records).
//   Ended by close(), which resolves when the last batch is fsynced.
// - pino: `pino(pino.destination({ dest, sync: false }))`, logger.info(obj) for each record (pino
//   adds level, time, pid, hostname); ended by destination.end(), which drains sonic-boom's buffer
//   and does ONE fsync before closing, so both sides end with everything durable, but pino syncs
//   once where we sync per batch.
// - for information, ours with fsync: false, to show how much of our time the fsyncs are.
// Trying a change: BENCH_WRITER_ALT=path/to/copy-of-writer.ts adds it as a fourth contender ("alt",
// same options); such runs are printed, not recorded.
// Profiling one side: BENCH_CONTENDERS=ours node --cpu-prof --cpu-prof-dir=/tmp/prof bench/writer.mjs
// Both producers call write()/info() for all N records synchronously, then wait for the end.
// The same N deterministic records (§3 shape, bench/gen-log.mjs) are used by all; the files are
// on the repo's disk (.bench-data/), not a tmpfs, and line counts are checked after each run.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import pino from 'pino';
import { tsImport } from 'tsx/esm/api';
import { generateLines } from './gen-log.mjs';
import { appendResult, loadText, median, QUICK, root, verdict } from './results.mjs';

const N = Number(process.env.BENCH_WRITES ?? (QUICK ? 5_000 : 200_000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 5));
const GOAL = 1;

const load = (p) => tsImport(p, import.meta.url);
const { JsonlWriter, writerOptionsFrom } = await load('../src/node/log/writer.ts');
const { defaultConfig } = await load('../src/core/config.ts');
const ALT = process.env.BENCH_WRITER_ALT ? await tsImport(path.resolve(process.env.BENCH_WRITER_ALT), import.meta.url) : undefined;

const dir = path.join(root, '.bench-data', `writer-${process.pid}`);
mkdirSync(dir, { recursive: true });
const records = [...generateLines(N, { seed: 11 })].map((l) => JSON.parse(l));
const logging = defaultConfig().logging;

const countLines = (file) => {
  const b = readFileSync(file);
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
};

async function ours(file, fsync = true, Writer = JsonlWriter) {
  const errors = [];
  const w = new Writer(writerOptionsFrom(logging, { path: file, rotationSize: 0, maxQueued: N, fsync, onError: (e) => errors.push(e) }));
  await w.open();
  const t0 = performance.now();
  for (const r of records) w.write(r);
  await w.close();
  const ms = performance.now() - t0;
  if (errors.length || w.pending) throw new Error(`JsonlWriter: ${errors[0]?.message ?? `${w.pending} records left`}`);
  return ms;
}

async function viaPino(file) {
  const dest = pino.destination({ dest: file, sync: false });
  await once(dest, 'ready');
  const logger = pino(dest);
  const t0 = performance.now();
  for (const r of records) logger.info(r);
  dest.end(); // drains the buffer, fsyncs once, closes
  await once(dest, 'close');
  return performance.now() - t0;
}

const contenders = [
  { name: 'ours', run: (f) => ours(f) },
  { name: 'pino', run: viaPino },
  { name: 'ours-nofsync', run: (f) => ours(f, false) },
  ALT && { name: 'alt', run: (f) => ours(f, true, ALT.JsonlWriter) },
  // BENCH_CONTENDERS=ours runs only those (for --cpu-prof of one side); nothing is recorded then.
].filter((c) => c && (!process.env.BENCH_CONTENDERS || process.env.BENCH_CONTENDERS.split(',').includes(c.name)));
const times = Object.fromEntries(contenders.map((c) => [c.name, []]));
process.stderr.write(`${N} records, ${ROUNDS} rounds; load ${loadText()}\n`);
try {
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternating, so a burst of load elsewhere hits each alike.
    for (const c of contenders) {
      const file = path.join(dir, `${c.name}.jsonl`);
      rmSync(file, { force: true });
      const ms = await c.run(file);
      const lines = countLines(file);
      if (lines !== N) throw new Error(`${c.name} wrote ${lines} lines, expected ${N}`);
      rmSync(file, { force: true });
      times[c.name].push(ms);
      process.stderr.write(`  round ${round} ${c.name.padEnd(12)} ${ms.toFixed(0).padStart(6)} ms  ${Math.round((N / ms) * 1000)} records/s\n`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (contenders.length < 3) process.exit(0);
const rate = (name) => (N / median(times[name])) * 1000;
const ratio = rate('ours') / rate('pino');
const ok = ratio >= GOAL;
console.log(`\nJSONL writer, ${N} records (median of ${ROUNDS}; load now ${loadText()})`);
console.log(`  ours (batch 100, fsync per batch)   ${Math.round(rate('ours')).toString().padStart(8)} records/s  ${median(times.ours).toFixed(0)} ms`);
console.log(`  pino 10 (sync: false, one fsync)    ${Math.round(rate('pino')).toString().padStart(8)} records/s  ${median(times.pino).toFixed(0)} ms`);
console.log(`  ours without fsync (information)    ${Math.round(rate('ours-nofsync')).toString().padStart(8)} records/s  ${median(times['ours-nofsync']).toFixed(0)} ms`);
console.log(`  ratio ours / pino ${ratio.toFixed(2)}×  (goal ≥ ${GOAL}×: ${verdict(ok)})`);
if (ALT) console.log(`  alt: ${process.env.BENCH_WRITER_ALT}  ${Math.round(rate('alt'))} records/s  ${median(times.alt).toFixed(0)} ms, alt / pino ${(rate('alt') / rate('pino')).toFixed(2)}×`);
if (!ALT) appendResult({
  bench: 'writer',
  title: 'JSONL writer: `JsonlWriter` (logger defaults: batch 100, fsync per batch; rotation off) vs pino 10 (`pino.destination({sync: false})`, one fsync at the end) writing the same records (`bench/writer.mjs`). Goal: ≥ 1×.',
  note: '**records**: N per run; **ours/pino rec/s**: N ÷ median time from the first write to the end being fsynced; **ours no-fsync rec/s**: ours with `fsync: false` (information); **ratio**: ours ÷ pino.',
  row: {
    records: N,
    rounds: ROUNDS,
    'ours rec/s': Math.round(rate('ours')),
    'pino rec/s': Math.round(rate('pino')),
    'ours no-fsync rec/s': Math.round(rate('ours-nofsync')),
    ratio: `${ratio.toFixed(2)}×`,
    goal: `≥ 1× ${verdict(ok)}`,
  },
});
