// `npm run bench:tail`: the cost of picking up ONE line appended to a 1M-line log with the core's
// LogTailer (src/node/log/tailer.ts: stat, read only the new bytes) against re-reading the whole
// file with the core reader (src/node/log/reader.ts), which is what a consumer without a tailer
// would have to do. Goal: tail ≤ 1/1000 of the re-read. Not a test.
//
//   BENCH_LINES=1000000 BENCH_ROUNDS=3 BENCH_APPENDS=100 node bench/tail.mjs
//
// Each round: APPENDS single-line appends timed through tailer.poll() (what the tailer costs;
// no inotify delay in it), a quarter as many timed through the filesystem event alone (what
// `mbm tail` or the extension actually waits: chokidar's event, or the 250 ms safety stat), then
// one full re-read. So ours and the anchor alternate round by round.
// Both sides parse and validate what they read (parseLogLine); the re-read is the reader's
// cheapest mode (one pass, collapse: false), so the ratio is not flattered.
import { appendFileSync, copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tsImport } from 'tsx/esm/api';
import { generateLines, writeLog } from './gen-log.mjs';
import { appendResult, loadText, median, percentile, QUICK, root, verdict } from './results.mjs';

const LINES = Number(process.env.BENCH_LINES ?? (QUICK ? 20_000 : 1_000_000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 3));
const APPENDS = Number(process.env.BENCH_APPENDS ?? (QUICK ? 20 : 100));
const GOAL = 1 / 1000;

const load = (p) => tsImport(p, import.meta.url);
const { LogTailer } = await load('../src/node/log/tailer.ts');
const { readLogBatches } = await load('../src/node/log/reader.ts');
const { parseLogLine } = await load('../src/node/log/validate.ts');

// The same cached, deterministic log as the export benchmark, copied: appending to the cache would
// change the export benchmark's input.
const dataDir = path.join(root, '.bench-data');
mkdirSync(dataDir, { recursive: true });
const source = path.join(dataDir, `log-${LINES}-v1.jsonl`);
if (!existsSync(source)) {
  process.stderr.write(`generating ${LINES} records into ${path.relative(root, source)}...\n`);
  await writeLog(source, LINES);
}
const work = path.join(dataDir, `tail-work-${process.pid}.jsonl`);
copyFileSync(source, work);
const mb = statSync(work).size / 1048576;

// Appended lines: new blocks far beyond the log's, so they are plainly new records.
const appended = generateLines(Number.MAX_SAFE_INTEGER, { seed: 7, startBlock: 90_000_000 });
let expectLineNo = LINES;
let waiting = null;
const tailer = new LogTailer(work, {
  from: 'end',
  onLine: (line, lineNo) => {
    const t = performance.now();
    if (!parseLogLine(line).ok) throw new Error(`tailer delivered an invalid line ${lineNo}`);
    if (lineNo !== expectLineNo) throw new Error(`tailer said line ${lineNo}, expected ${expectLineNo}`);
    waiting?.(t);
    waiting = null;
  },
  onError: (e) => {
    throw e;
  },
});

/** One append; resolves with ms from the write having returned to onLine. */
async function appendOne(viaPoll) {
  const text = `${appended.next().value}\n`;
  expectLineNo++;
  const got = new Promise((resolve, reject) => {
    waiting = resolve;
    setTimeout(() => reject(new Error('appended line not seen within 5 s')), 5_000).unref();
  });
  appendFileSync(work, text);
  const t0 = performance.now();
  if (viaPoll) void tailer.poll();
  const t1 = await got;
  // Let the filesystem event for this append arrive and its (empty) read finish, so it does not
  // land in the next sample.
  await sleep(viaPoll ? 15 : 5);
  await tailer.idle();
  return t1 - t0;
}

async function reread() {
  const t0 = performance.now();
  let n = 0;
  for await (const batch of readLogBatches(work, { siblings: false, collapse: false })) {
    n += batch.length;
  }
  const ms = performance.now() - t0;
  if (n !== expectLineNo) throw new Error(`re-read found ${n} records, expected ${expectLineNo}`);
  return ms;
}

process.stderr.write(`log: ${LINES} lines, ${mb.toFixed(0)} MB; ${ROUNDS} rounds of ${APPENDS} appends; load ${loadText()}\n`);
const polled = [];
const evented = [];
const rereads = [];
try {
  await tailer.start();
  for (let round = 1; round <= ROUNDS; round++) {
    const p = [];
    for (let i = 0; i < APPENDS; i++) p.push(await appendOne(true));
    const e = [];
    for (let i = 0; i < Math.max(1, APPENDS >> 2); i++) e.push(await appendOne(false));
    const r = await reread();
    polled.push(...p);
    evented.push(...e);
    rereads.push(r);
    process.stderr.write(
      `  round ${round}: tail (poll) p50 ${(median(p) * 1000).toFixed(0)} µs, tail (event) p50 ${median(e).toFixed(1)} ms, re-read ${(r / 1000).toFixed(2)} s\n`,
    );
  }
} finally {
  await tailer.stop();
  rmSync(work, { force: true });
}

const tail = median(polled);
const full = median(rereads);
const ratio = tail / full;
const ev = median(evented);
const ok = ratio <= GOAL;
console.log(`\nincremental tail of a ${LINES}-line log (${mb.toFixed(0)} MB), median of ${polled.length} appends / ${ROUNDS} re-reads; load now ${loadText()}`);
console.log(`  tail one line, poll():      p50 ${(tail * 1000).toFixed(0)} µs  p99 ${(percentile(polled, 99) * 1000).toFixed(0)} µs  (stat + read of the new bytes + parse)`);
console.log(`  tail one line, fs event:    p50 ${ev.toFixed(1)} ms  p99 ${percentile(evented, 99).toFixed(1)} ms  (${evented.length} appends; includes chokidar/inotify delivery)`);
console.log(`  full re-read (core reader): ${(full / 1000).toFixed(2)} s  (one pass, parse + validate every line)`);
console.log(`  ratio tail / re-read: 1/${Math.round(1 / ratio)}  (goal ≤ 1/${1 / GOAL}: ${verdict(ok)})`);
appendResult({
  bench: 'tail',
  title: 'Incremental tail: one appended line picked up by `LogTailer` vs a full re-read of the log by the core reader (`bench/tail.mjs`). Goal: ratio ≤ 1/1000.',
  note:
    '**lines**/**MB**: the log; **tail poll µs**: append → onLine with `tailer.poll()` (median, p99); **tail event ms**: append → onLine through the filesystem event alone (median); **re-read s**: `readLogBatches` one pass, collapse off; **ratio**: tail poll / re-read.',
  row: {
    lines: LINES,
    MB: mb.toFixed(0),
    rounds: ROUNDS,
    appends: polled.length,
    'tail poll µs (p50/p99)': `${(tail * 1000).toFixed(0)} / ${(percentile(polled, 99) * 1000).toFixed(0)}`,
    'tail event ms': ev.toFixed(1),
    're-read s': (full / 1000).toFixed(2),
    ratio: `1/${Math.round(1 / ratio)}`,
    goal: `≤ 1/1000 ${verdict(ok)}`,
  },
});
