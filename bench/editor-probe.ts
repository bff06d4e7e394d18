// One measurement of bench/editor.mjs, in its own process (run with `node --import tsx`): follow
// one log with the extension's LogWatcher + LogBook, as the extension host does, while a 10 ms
// interval timer records the worst gap between its ticks (how long the event loop was blocked)
// and the peak RSS. MODE=worker reads with the log worker (dist/logWorker.js); MODE=inthread reads
// on this thread as the extension did before the worker (the anchor). Prints one JSON line.
import path from 'node:path';
import { LogWatcher } from '../src/extension/logWatcher';
import { summarize } from '../src/extension/model/summary';

const [log, mode] = [process.argv[2]!, process.argv[3]!];
let worst = 0;
let worstAt = 0;
let _t0 = 0;
let peakRss = process.memoryUsage().rss;
let last = performance.now();
const timer = setInterval(() => {
  const now = performance.now();
  if (now - last - 10 > worst) {
    worst = now - last - 10;
    worstAt = now;
  }
  last = now;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 10);

async function main(): Promise<void> {
const _t0 = performance.now();
  const w = new LogWatcher({
    roots: [],
    onChange: () => undefined,
    onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
    inThread: mode === 'inthread',
    workerScript: path.resolve(__dirname, '..', 'dist', 'logWorker.js'),
  });
  await w.follow(log, true);
  // What the views compute on the host after the load (the tree's summary of the held records).
  const gapBeforeViews = worst;
  const ts = performance.now();
  const entries = w.book.entries(log);
  const totals = w.book.totals(log);
  const window = w.book.window(log);
  const s = summarize(entries, { alertThreshold: 5, whole: totals && window ? { totals, window } : undefined });
  const loadedMs = performance.now() - _t0;
  const summarizeMs = performance.now() - ts;
  await new Promise((r) => setTimeout(r, 50));
  clearInterval(timer);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  process.stdout.write(`${JSON.stringify({ mode, loadedMs, worstGapMs: worst, gapBeforeViews, summarizeMs, worstEndedAtMs: worstAt - _t0, peakRssMB: peakRss / 1048576, held: entries.length, total: s.report.total_missed, window: s.window ?? null })}\n`);
  await w.dispose();
}

void main();
