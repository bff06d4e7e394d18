// The log worker: a child process (its own bundle, dist/logWorker.js, forked with an IPC channel)
// that reads a whole log and keeps its totals, so the extension host's event loop never parses a
// big log and its memory never holds it. The host sends the records it tails afterwards; the
// worker answers with the new totals (debounced). One per log; it ends when the host goes away.
import { RecentRecords } from '../dashboard/feed';
import { clockOf, dashboardView, pickLine } from './dashView';
import { loadLog } from './loadLog';
import type { SlotClock } from '../../common/dashboard/heatmap';
import type { DashboardView } from '../../common/dashboard/view';
import type { ViewSettings } from '../../common/dashboard/viewFilter';
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
/** Bumped by every change of the records: a cached view of an older version is stale. */
let version = 0;
/** The last view made, for its settings (`asked`: already sent once; the next ask computes). */
let cached: { key: string; view: DashboardView; clock: SlotClock; ms: number; version: number; asked: boolean } | undefined;

function computeView(settings: ViewSettings, slotSeconds: number, head?: number): { view: DashboardView; clock: SlotClock; ms: number } {
  const t0 = performance.now();
  const c = clockFor(slotSeconds);
  const view = dashboardView(totals, settings, c, recent.details(), head);
  // Streak bars as typed arrays: a big log has hundreds of thousands, and typed arrays cross the
  // IPC channel and the webview's postMessage as binary. The webview only indexes them (uPlot takes both).
  const b = view.streaks;
  const typed = (a: number[]) => Float64Array.from(a) as unknown as number[];
  view.streaks = { ...b, startedAt: typed(b.startedAt), length: typed(b.length), fromBlock: typed(b.fromBlock), toBlock: typed(b.toBlock), recovered: typed(b.recovered) };
  return { view, clock: c, ms: performance.now() - t0 };
}

/** The chain's default slot length: the view a dashboard opening on this log most likely asks for, made ahead. */
const DEFAULT_SLOT_SECONDS = 12;
let file = '';
/** The newest records with their details, for the dashboard's table. */
const recent = new RecentRecords();
/** The clock is inferred once (from the first record with a slot) per slot length. */
let clock: { slotSeconds: number; clock: ReturnType<typeof clockOf> } | undefined;
const clockFor = (slotSeconds: number) => {
  if (clock?.slotSeconds !== slotSeconds) clock = { slotSeconds, clock: clockOf(totals, slotSeconds) };
  return clock.clock;
};

/** What the last report cost (ms): the next waits at least 4× that, so counting a huge log never takes more than a fifth of a core. */
let reportMs = 0;

function sendTotals(): void {
  timer = undefined;
  const t0 = performance.now();
  const report = totals.report();
  reportMs = performance.now() - t0;
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
          // Made ahead while nothing else is asked: a dashboard opened on this log paints at once.
          setTimeout(() => {
            if (cached) return;
            const settings = { filter: { reasons: [], severities: [], sources: [] }, range: null };
            cached = { key: JSON.stringify([settings, DEFAULT_SLOT_SECONDS, null]), ...computeView(settings, DEFAULT_SLOT_SECONDS), version, asked: false };
          }, 50);
        },
        (err: unknown) => send({ type: 'error', message: (err as Error).message }),
      );
      return;
    case 'append':
      version++;
      m.records.forEach((r, i) => {
        totals.add(r, m.lines[i]);
        recent.push({ record: r, file, line: m.lines[i] });
      });
      if (loaded) timer ??= setTimeout(sendTotals, Math.max(TOTALS_MS, 4 * reportMs));
      return;
    case 'rotated':
      version++;
      totals.forgetLines();
      recent.clear();
      return;
    case 'view': {
      // A view made earlier for the same settings answers at once (a dashboard opening paints it);
      // when records came since, it says so and the next request computes a fresh one.
      const key = JSON.stringify([m.settings, m.slotSeconds, m.head ?? null]);
      if (cached?.key === key && !cached.asked) {
        cached.asked = true;
        send({ type: 'view', id: m.id, view: cached.view, clock: cached.clock, ms: cached.ms, stale: cached.version !== version });
        return;
      }
      const v = computeView(m.settings, m.slotSeconds, m.head);
      cached = { key, ...v, version, asked: true };
      send({ type: 'view', id: m.id, ...v, stale: false });
      return;
    }
    case 'pick':
      send({ type: 'picked', id: m.id, line: pickLine(totals, m.settings, clockFor(m.slotSeconds), m.pick) });
      return;
    case 'reset':
      version++;
      cached = undefined;
      totals.clear();
      recent.clear();
      clock = undefined;
      if (loaded) timer ??= setTimeout(sendTotals, Math.max(TOTALS_MS, 4 * reportMs));
      return;
  }
});
