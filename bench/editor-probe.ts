// One measurement of bench/editor.mjs, in its own process (run with `node --import tsx`): follow
// one log with the extension's LogWatcher + LogBook, as the extension host does, and on every
// change recompute what the tree shows (summarize + buildTree, as viewState/tree do), while a
// 10 ms interval timer records the worst gap between its ticks (how long the event loop was
// blocked) and the peak RSS of this process. Then append records to the log at RATE a second for
// APPEND_S seconds (the file is cut back to its size afterwards) and measure the same.
// In worker mode, the dashboard's view of the whole log is then asked of the worker and timed.
// MODE=worker reads with the log worker (dist/logWorker.js, a child process: its peak RSS is
// reported apart); MODE=inthread reads on this thread as the extension did before (the anchor).
// Prints one JSON line.
import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { LogWatcher } from '../src/extension/logWatcher';
import { summarize } from '../src/extension/model/summary';
import { buildTree } from '../src/extension/model/treeModel';

const [log, mode] = [process.argv[2]!, process.argv[3]!];
const APPEND_S = Number(process.argv[4] ?? 10);
const RATE = Number(process.argv[5] ?? 1000);

let worst = 0;
let peakRss = process.memoryUsage().rss;
let last = performance.now();
const t0 = performance.now();
/** Gaps over 30 ms: [ms since start, gap ms], to see where they fall. */
const gaps: number[][] = [];
const timer = setInterval(() => {
  const now = performance.now();
  const gap = now - last - 10;
  if (gap > 30) gaps.push([Math.round(now - t0), Math.round(gap)]);
  if (gap > worst) worst = gap;
  last = now;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 10);

/** Peak RSS (VmHWM, MB) of this process's children: the log worker. */
function childrenPeakMB(): number {
  let kb = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Field 4 (after the parenthesised name) is the parent's pid.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // gone meanwhile
    }
  }
  return kb / 1024;
}

/** The control: the same timer in a process doing nothing else, for as long (what the machine's load alone costs). */
async function control(seconds: number): Promise<void> {
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(timer);
  process.stdout.write(`${JSON.stringify({ mode, worstGapMs: worst, gaps, peakRssMB: peakRss / 1048576 })}\n`);
}

async function main(): Promise<void> {
  if (mode === 'control') return control(APPEND_S);
  const abs = path.resolve(log);
  const size = statSync(abs).size;
  let refreshes = 0;
  let refreshMsMax = 0;
  const opts = { alertThreshold: 5, restricted: false, time: { locale: 'en-GB', timeZone: 'UTC' } };
  const view = () => {
    const ts = performance.now();
    const entries = w.book.entries(abs);
    const totals = w.book.totals(abs);
    const window = w.book.window(abs);
    const summary = summarize(entries, { alertThreshold: 5, whole: totals && window ? { totals, window } : undefined });
    buildTree([{ view: { file: abs, displayName: 'missed_blocks.jsonl', badLines: 0 }, entries, summary }], opts);
    refreshes++;
    refreshMsMax = Math.max(refreshMsMax, performance.now() - ts);
    return summary;
  };
  const w: LogWatcher = new LogWatcher({
    roots: [],
    // The tree refreshes on every (debounced) change.
    onChange: () => void view(),
    onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
    inThread: mode === 'inthread',
    workerScript: path.resolve(__dirname, '..', 'dist', 'logWorker.js'),
  });
  await w.follow(abs, true);
  const s = view();
  const loadedMs = performance.now() - t0;
  const load = { worstGapMs: worst, peakRssMB: peakRss / 1048576 };
  // The dashboard on that log: the log worker aggregates the whole log into its view (what the
  // panel posts to the webview for its first paint; drawing it is the webview's, not measured here).
  // Opened 5 s after the tree has the totals (the worker makes the default view ahead meanwhile);
  // then asked again with a filter: a view made from scratch.
  let dashboard: { viewMs: number; workerMs: number; stale: boolean; filteredMs: number; filteredWorkerMs: number; held: number } | null = null;
  const loader = w.workerFor(abs);
  if (loader) {
    await new Promise((r) => setTimeout(r, 5000));
    const all = { filter: { reasons: [], severities: [], sources: [] }, range: null };
    const td = performance.now();
    const v = await loader.view(all, 12);
    const viewMs = performance.now() - td;
    const tf = performance.now();
    const f = await loader.view({ ...all, filter: { ...all.filter, severities: ['High'] } }, 12);
    dashboard = { viewMs, workerMs: v.ms, stale: v.stale, filteredMs: performance.now() - tf, filteredWorkerMs: f.ms, held: v.view.held };
  }
  const loadGapWithDashboard = worst;

  // Appends: lines of the generator shifted past the log's last block, RATE a second in 10 ms steps.
  // @ts-expect-error plain ESM without types (the benchmarks' generator)
  const { generateLines } = (await import('./gen-log.mjs')) as { generateLines(n: number, o: { seed: number; startBlock: number; startTime: number }): Iterable<string> };
  const n = APPEND_S * RATE;
  const lines = [...generateLines(n, { seed: 11, startBlock: 40_000_000, startTime: 1_800_000_000 })];
  worst = 0;
  const ta = performance.now();
  let sent = 0;
  const before = w.book.totals(abs)?.records ?? 0;
  try {
    while (sent < n) {
      const due = Math.min(n, Math.floor(((performance.now() - ta) / 1000) * RATE) + 1);
      if (due > sent) {
        appendFileSync(abs, lines.slice(sent, due).join('\n') + '\n');
        sent = due;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    // Wait (bounded) for the totals to count them.
    const deadline = performance.now() + 20_000;
    while (n > 0 && (w.book.totals(abs)?.records ?? 0) <= before && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (n > 0) await new Promise((r) => setTimeout(r, 600));
  } finally {
    const append = { worstGapMs: worst, peakRssMB: peakRss / 1048576, seconds: (performance.now() - ta) / 1000, records: sent, totalAfter: w.book.totals(abs)?.records ?? null };
    const childMB = childrenPeakMB();
    clearInterval(timer);
    await w.dispose();
    truncateSync(abs, size);
    process.stdout.write(
      `${JSON.stringify({ mode, loadedMs, load, loadGapWithDashboard, dashboard, append, childMB, refreshes, refreshMsMax, gaps, held: w.book.entries(abs).length, total: s.report.total_missed, window: s.window ?? null })}\n`,
    );
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
