// The log worker: a child process (its own bundle, dist/logWorker.js, forked with an IPC channel)
// that reads a whole log and keeps its totals, so the extension host's event loop never parses a
// big log and its memory never holds it. The host sends the records it tails afterwards; the
// worker answers with the new totals (debounced). One per log; it ends when the host goes away.
import { RecentRecords } from '../dashboard/feed';
import { clockOf, dashboardView, pickLine } from './dashView';
import { loadLog } from './loadLog';
import { LogTotals } from './logTotals';
import type { FromWorker, ToWorker } from './protocol';

if (!process.send) throw new Error('logWorker runs as a child process with an IPC channel');
const port = { postMessage: (m: FromWorker) => process.send!(m), on: (e: 'message', f: (m: ToWorker) => void) => process.on(e, f) };
process.on('disconnect', () => process.exit(0));
const totals = new LogTotals();
let loaded = false;
let timer: NodeJS.Timeout | undefined;
/** Rebuilding the report of a million records takes a while: at most this often while appends flow. */
const TOTALS_MS = 1000;

/** Records per 'window' message. */
const WINDOW_CHUNK = 500;

const send = (m: FromWorker) => port.postMessage(m);
let file = '';
/** The newest records with their details, for the dashboard's table. */
const recent = new RecentRecords();
/** The clock is inferred once (from the first record with a slot) per slot length. */
let clock: { slotSeconds: number; clock: ReturnType<typeof clockOf> } | undefined;
const clockFor = (slotSeconds: number) => {
  if (clock?.slotSeconds !== slotSeconds) clock = { slotSeconds, clock: clockOf(totals, slotSeconds) };
  return clock.clock;
};

function sendTotals(): void {
  timer = undefined;
  const report = totals.report();
  send({ type: 'totals', totals: { report, records: report.total_missed } });
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'load':
      file = m.file;
      loadLog(m.file, totals, { window: m.window, onProgress: (done, total, records) => send({ type: 'progress', done, total, records }) }).then(
        async (r) => {
          for (const e of r.window.slice(-50)) recent.push({ record: e.record, file, line: e.line });
          for (let i = 0; i < r.window.length; i += WINDOW_CHUNK) {
            send({ type: 'window', entries: r.window.slice(i, i + WINDOW_CHUNK) });
            // Spaced out: the host takes every queued message in one turn of its loop.
            await new Promise((done) => setTimeout(done, 2));
          }
          loaded = true;
          send({ ...r, window: [] });
        },
        (err: unknown) => send({ type: 'error', message: (err as Error).message }),
      );
      return;
    case 'append':
      m.records.forEach((r, i) => {
        totals.add(r, m.lines[i]);
        recent.push({ record: r, file, line: m.lines[i] });
      });
      if (loaded) timer ??= setTimeout(sendTotals, TOTALS_MS);
      return;
    case 'rotated':
      totals.forgetLines();
      recent.clear();
      return;
    case 'view': {
      const t0 = performance.now();
      const c = clockFor(m.slotSeconds);
      const view = dashboardView(totals, m.settings, c, recent.details());
      send({ type: 'view', id: m.id, view, clock: c, ms: performance.now() - t0 });
      return;
    }
    case 'pick':
      send({ type: 'picked', id: m.id, line: pickLine(totals, m.settings, clockFor(m.slotSeconds), m.pick) });
      return;
    case 'reset':
      totals.clear();
      recent.clear();
      clock = undefined;
      if (loaded) timer ??= setTimeout(sendTotals, TOTALS_MS);
      return;
  }
});
