// The log worker: a worker thread (its own bundle, dist/logWorker.js) that reads a whole log and
// keeps its totals, so the extension host's event loop never parses a big log. The host sends the
// records it tails afterwards; the worker answers with the new totals (debounced). One per log.
import { parentPort } from 'node:worker_threads';
import { loadLog } from './loadLog';
import { LogTotals } from './logTotals';
import type { FromWorker, ToWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('logWorker runs as a worker thread');
const totals = new LogTotals();
let loaded = false;
let timer: NodeJS.Timeout | undefined;
/** Rebuilding the report of a million records takes a while: at most this often while appends flow. */
const TOTALS_MS = 250;

const send = (m: FromWorker) => port.postMessage(m);

function sendTotals(): void {
  timer = undefined;
  const report = totals.report();
  send({ type: 'totals', totals: { report, records: report.total_missed } });
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'load':
      loadLog(m.file, totals, { window: m.window, onProgress: (done, total, records) => send({ type: 'progress', done, total, records }) }).then(
        (r) => {
          loaded = true;
          send(r);
        },
        (err: unknown) => send({ type: 'error', message: (err as Error).message }),
      );
      return;
    case 'append':
      for (const r of m.records) totals.add(r);
      if (loaded) timer ??= setTimeout(sendTotals, TOTALS_MS);
      return;
    case 'reset':
      totals.clear();
      if (loaded) timer ??= setTimeout(sendTotals, TOTALS_MS);
      return;
  }
});
